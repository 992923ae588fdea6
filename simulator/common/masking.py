"""Card numbers never appear whole: keep the first six and last four digits at most."""

from __future__ import annotations

import re

# 12 to 19 digits, optionally grouped by spaces or dashes, not part of a longer number.
_PAN = re.compile(r"(?<![\d])(?:\d[ -]?){11,18}\d(?![\d])")


def mask_pan(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) < 12:
        return number
    return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"


def mask_text(text: str) -> str:
    """Mask every card-number-like run of digits inside free text."""
    return _PAN.sub(lambda m: mask_pan(m.group(0)), text)


def count_pans(text: str) -> int:
    """How many card-number-like runs of digits the text holds (before masking it)."""
    return len(_PAN.findall(text))


def mask_obj(value):
    """Mask card numbers in strings anywhere inside a JSON-like structure."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_obj(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_obj(v) for v in value]
    return value
