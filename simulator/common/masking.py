"""Card numbers and secrets: never shown whole. Card numbers keep the first six and last four digits
at most, are found in free text, JSON keys and JSON numbers, and are checked with the Luhn
algorithm; Stripe secrets (`sk_test_`, `sk_live_`, `rk_test_`, `rk_live_`, `whsec_`) keep their
prefix and last four characters. The one place for these rules: every artifact that masks text
(journal, reports) masks both."""

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


_IDENT_CHAR = re.compile(r"[A-Za-z_]")


def whole_card_numbers(text: str) -> list[str]:
    """Card-number-like runs of 12 to 19 digits that pass the Luhn check (masked ones never do), not
    glued to a letter or underscore (`req_0000123456789012` is an identifier, not a card number)."""
    found = []
    text = text or ""
    for m in _PAN.finditer(text):
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if _IDENT_CHAR.match(before) or _IDENT_CHAR.match(after):
            continue
        digits = re.sub(r"\D", "", m.group(0))
        if SHORTEST_PAN <= len(digits) <= 19 and luhn_ok(digits):
            found.append(m.group(0))
    return found


def mask_pan(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) < SHORTEST_PAN:
        return number
    return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"


SECRET_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_")
_SECRET = re.compile(r"(?<![A-Za-z0-9])(sk_test_|sk_live_|rk_test_|rk_live_|whsec_)([A-Za-z0-9_]+)")
_SECRET_KEPT = 4   # last characters kept, when the secret is long enough to keep them hidden (> 8)


def mask_secret(prefix: str, secret: str) -> str:
    """`sk_test_abcdefgh1234` -> `sk_test_********1234`; a short secret is starred whole."""
    if len(secret) > 2 * _SECRET_KEPT:
        return prefix + "*" * (len(secret) - _SECRET_KEPT) + secret[-_SECRET_KEPT:]
    return prefix + "*" * len(secret)


def mask_text(text: str) -> str:
    """Mask every card-number-like run of digits and every Stripe secret inside free text."""
    if len(text) < SHORTEST_PAN:  # the common case, kept cheap
        return text
    if "k_" in text or "whsec_" in text:  # the cheap pre-check for SECRET_PREFIXES
        text = _SECRET.sub(lambda m: mask_secret(m.group(1), m.group(2)), text)
    return _PAN.sub(lambda m: mask_pan(m.group(0)), text)


def count_pans(text: str) -> int:
    """How many whole card numbers the text holds (before masking it)."""
    return len(whole_card_numbers(text))


_SMALLEST_PAN_NUMBER = 10 ** (SHORTEST_PAN - 1)  # a JSON number below this cannot be a card number
_KEPT_LEAVES = (type(None), bool)


def mask_number(value: int | float) -> int | float | str:
    """A JSON number that could be a card number (12 digits or more) as masked text; others as they are."""
    if -_SMALLEST_PAN_NUMBER < value < _SMALLEST_PAN_NUMBER or value != value:  # small, or NaN
        return value
    if type(value) is int:
        if not -10 ** 19 < value < 10 ** 19:  # 20 digits or more: not a card number (nor cheap to print)
            return value
        text = str(value)
    else:
        text = repr(value)
    masked = mask_text(text)
    return value if masked == text else masked


def mask_obj(value, *, numbers: bool = False):
    """Mask card numbers and secrets anywhere inside a JSON-like structure: in strings and in object
    keys; with `numbers`, also in numbers long enough to be a card number (those become masked
    strings). Numbers are opt-in: a report's millisecond timestamps and byte counts have 13 digits
    too, and code that renders a report does arithmetic on them; the journal's request fields (what
    a client sent) mask them."""
    kind = type(value)
    if kind is str:
        return mask_text(value)
    if kind is dict:
        # Short keys and leaves that cannot hold a card number are kept without a call: the proxy
        # masks every record.
        return {(k if type(k) is not str or len(k) < SHORTEST_PAN else mask_text(k)):
                v if type(v) in _KEPT_LEAVES or (type(v) is str and len(v) < SHORTEST_PAN)
                or (not numbers and (type(v) is int or type(v) is float)) else mask_obj(v, numbers=numbers)
                for k, v in value.items()}
    if kind is list:
        return [mask_obj(v, numbers=numbers) for v in value]
    if numbers and (kind is int or kind is float):
        return mask_number(value)
    return value
