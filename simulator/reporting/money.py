"""Money as a person reads it: minor units turned into the currency's major unit, with its code.

Stripe amounts are in the currency's smallest unit: cents for USD (1299 -> 12.99 USD), none for the
zero-decimal currencies (JPY 1200 -> 1,200 JPY), thousandths for the three-decimal ones (KWD).
Lists from Stripe's "Currencies" page (zero-decimal and three-decimal currencies).
"""

from __future__ import annotations

ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                          "vuv", "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def decimals(currency: str | None) -> int:
    cur = (currency or "").lower()
    return 0 if cur in ZERO_DECIMAL else 3 if cur in THREE_DECIMAL else 2


def format_money(minor, currency: str | None) -> str:
    """`1299, "usd"` -> "12.99 USD"; `1200, "jpy"` -> "1,200 JPY"; no currency: minor units, said so."""
    if minor is None or isinstance(minor, bool):
        return "–"
    try:
        value = int(minor)
    except (TypeError, ValueError):
        return str(minor)
    if not currency:
        return f"{value:,} (minor units)"
    places = decimals(currency)
    major = value / (10 ** places)
    return f"{major:,.{places}f} {str(currency).upper()}"
