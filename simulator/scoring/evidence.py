"""Small helpers that keep findings' evidence short, JSON-safe and free of secrets."""

from __future__ import annotations

import re

from paychaos.common.masking import mask_text

MAX_ITEMS = 20
_SECRET = re.compile(r"\b((?:sk|rk)_(?:test|live)_|whsec_)[A-Za-z0-9]+")


def redact(text: str | None, limit: int = 160) -> str:
    """Card numbers masked, API keys cut to their prefix, long text shortened."""
    text = _SECRET.sub(lambda m: m.group(1) + "…", mask_text(text or ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def capped(items: list, limit: int = MAX_ITEMS) -> list:
    """At most `limit` items; a final '+N more' says how many were left out."""
    items = list(items)
    return items if len(items) <= limit else [*items[:limit], f"+{len(items) - limit} more"]


def ms(seconds: float | None) -> int | None:
    return None if seconds is None else int(round(seconds * 1000))
