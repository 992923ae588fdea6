"""Card numbers: never shown whole (keep the first six and last four digits at most), found in free
text, and checked with the Luhn algorithm. The one place for these rules."""

from __future__ import annotations

import re

SHORTEST_PAN = 12  # digits; a string shorter than this cannot hold a card number

# 12 to 19 digits, optionally grouped by spaces or dashes, not part of a longer number.
_PAN = re.compile(r"(?<![\d])(?:\d[ -]?){11,18}\d(?![\d])")


def luhn_ok(digits: str) -> bool:
    """The Luhn check over a string of digits (anything else in it is ignored); false when empty."""
    total, seen = 0, 0
    for ch in reversed(digits):
        if not ch.isdigit():
            continue
        d = ord(ch) - 48
        if seen % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        seen += 1
    return seen > 0 and total % 10 == 0


def whole_card_numbers(text: str) -> list[str]:
    """Card-number-like runs of 12 to 19 digits that pass the Luhn check (masked ones never do)."""
    found = []
    for m in _PAN.finditer(text or ""):
        digits = re.sub(r"\D", "", m.group(0))
        if SHORTEST_PAN <= len(digits) <= 19 and luhn_ok(digits):
            found.append(m.group(0))
    return found


def mask_pan(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) < SHORTEST_PAN:
        return number
    return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"


def mask_text(text: str) -> str:
    """Mask every card-number-like run of digits inside free text."""
    if len(text) < SHORTEST_PAN:  # the common case, kept cheap
        return text
    return _PAN.sub(lambda m: mask_pan(m.group(0)), text)


def count_pans(text: str) -> int:
    """How many whole card numbers the text holds (before masking it)."""
    return len(whole_card_numbers(text))


_LEAVES = (type(None), bool, int, float)


def mask_obj(value):
    """Mask card numbers in strings anywhere inside a JSON-like structure."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        # Leaves that cannot hold a card number are kept without a call: the proxy masks every record.
        return {k: v if type(v) in _LEAVES or (type(v) is str and len(v) < SHORTEST_PAN) else mask_obj(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_obj(v) for v in value]
    return value
