"""The shop's own price list: the amount charged comes from here, never from the client."""

from __future__ import annotations

CURRENCY = "usd"

# sku -> (name, unit price in cents)
PRICES: dict[str, tuple[str, int]] = {
    "brass-lantern": ("Brass storm lantern", 4900),
    "wick-3pack": ("Cotton wicks, pack of 3", 650),
    "lamp-oil-1l": ("Lamp oil, 1 litre", 1275),
}

MAX_QTY = 10


def total_cents(sku: str, qty: int) -> int:
    return PRICES[sku][1] * qty
