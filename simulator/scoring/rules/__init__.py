"""The built-in scoring rules, one module per dimension; importing this package registers them."""

from simulator.scoring.rules import fallback, integrity, prompt, retry  # noqa: F401
