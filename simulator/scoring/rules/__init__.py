"""The built-in scoring rules, one module per dimension; importing this package registers them."""

from simulator.scoring.rules import browser_flows, fallback, integrity, prompt, retry  # noqa: F401
