"""Willow Tea Co., a shop with its own checkout page on stripe.js (flow `browser`, docs/browser.md)."""
