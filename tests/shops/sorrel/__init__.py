"""Sorrel & Thyme: a herb nursery that authorises cards at checkout and charges them when the plants ship."""
