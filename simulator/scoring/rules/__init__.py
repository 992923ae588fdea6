"""The built-in scoring rules, one module per dimension; importing this package registers them."""

from paychaos.scoring.rules import (  # noqa: F401
    browser_flows,
    closed_trade,
    fallback,
    integrity,
    prompt,
    qr_flow,
    retry,
)
