"""Planted defects, switched on by `LANTERN_DEFECTS=a,b,...` (each one a real mistake seen in shops)."""

from __future__ import annotations

import os

DEFECTS: dict[str, str] = {
    "no_idempotency": "no Idempotency-Key of its own on gateway POSTs (the SDK makes a new one per call), "
                      "and retries anyway",
    "leak_exception": "the customer's error message is str(exc) of the stripe exception, request id and all",
    "no_timeout": "gateway calls left at the SDK's default timeout (80 s)",
    "webhook_no_dedupe": "fulfils on every webhook delivery, duplicates included",
    "webhook_no_verify": "accepts webhook events without checking Stripe's signature",
    "lost_told_failed": "a lost gateway answer (connection dropped, unreadable body, 5xx) is told as declined "
                        "at once: no retry, no lookup, although the card may have been charged",
    "retry_hard_declines": "retries every decline 3 times, each as a new attempt",
    "no_submit_guard": "a double click on pay places and pays a second order (the clean shop joins the first)",
}


class UnknownDefect(ValueError):
    pass


def parse(text: str | None) -> frozenset[str]:
    """`"a, b"` -> {"a", "b"}; an unknown name raises UnknownDefect naming the valid ones."""
    names = {part.strip() for part in (text or "").split(",") if part.strip()}
    unknown = sorted(names - DEFECTS.keys())
    if unknown:
        raise UnknownDefect(f"LANTERN_DEFECTS: unknown defect(s) {', '.join(unknown)}; "
                            f"valid: {', '.join(DEFECTS)}")
    return frozenset(names)


def from_env() -> frozenset[str]:
    return parse(os.environ.get("LANTERN_DEFECTS"))
