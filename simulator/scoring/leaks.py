"""What must never reach a customer: internals (stack traces, raw gateway JSON, Stripe ids and error
types) and secrets (API keys, whole card numbers). Each leak kind is one pattern."""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.common.masking import whole_card_numbers


@dataclass(frozen=True)
class Leak:
    kind: str
    pattern: re.Pattern
    in_body: bool       # also looked for in the whole answer, not only the message
    why: str


LEAKS = (
    Leak("stack trace",
         re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
                    r"\bat [\w$.]+\([\w$]+\.\w+:\d+\)"),
         True, "shows the merchant's code to the customer and to attackers"),
    Leak("exception text",
         re.compile(r"\b(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)\b(?=:|\(|$)|HTTPS?ConnectionPool\(|"
                    r"object at 0x[0-9a-f]+|\[Errno -?\d+\]|Max retries exceeded"),
         True, "shows the merchant's internals instead of a human message"),
    Leak("raw gateway JSON", re.compile(r"\{\s*\"error\"\s*:\s*\{|\"(?:decline_code|doc_url|request_log_url)\"\s*:"),
         True, "passes the gateway's answer through instead of a human message"),
    Leak("Stripe error type",
         re.compile(r"\b(?:card_error|api_error|invalid_request_error|idempotency_error|rate_limit_error|"
                    r"authentication_error|api_connection_error|resource_missing|idempotency_key_in_use)\b"),
         False, "is gateway jargon the customer cannot act on"),
    Leak("Stripe object id", re.compile(r"\b(?:pi|ch|re|cus|evt|req|py|seti|src)_[A-Za-z0-9]{6,}\b"),
         False, "exposes gateway internals"),
    Leak("API key", re.compile(r"\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9]+"),
         True, "is a secret that lets anyone use the merchant's gateway account"),
)


def leaks_in(message: str | None, body: str | None) -> dict[str, str]:
    """Leak kind -> the text it was found in ('message' or 'answer'), for one customer answer."""
    found: dict[str, str] = {}
    for leak in LEAKS:
        if message and leak.pattern.search(message):
            found[leak.kind] = message
        elif leak.in_body and body and leak.pattern.search(body):
            found[leak.kind] = body
    for text in (message, body):
        if text and whole_card_numbers(text):
            found.setdefault("whole card number", text)
    return found


WHY = {leak.kind: leak.why for leak in LEAKS} | {
    "whole card number": "breaks PCI DSS: a card number is never shown whole (first six and last four at most)"}
