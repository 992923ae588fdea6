"""What must never reach a customer: gateway internals (request and object ids, decline codes and doc
links, exception names and tracebacks, key errors, raw HTML or raw gateway bodies) and secrets (API
keys, whole card numbers). Each leak kind is one pattern.

What counts is the text the customer is shown, whatever the envelope: the message, every string value
of a JSON answer, or the whole of an answer that is not JSON. The merchant's own envelope keys never
count (`{"error": {"message": "Your card was declined."}}` leaks nothing); a JSON answer leaks only when
it carries the gateway's own error object (its `decline_code`, `doc_url` or `request_log_url`, or a
Stripe error type beside a message).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from paychaos.common.masking import whole_card_numbers

STRIPE_ERROR_TYPES = ("card_error", "api_error", "invalid_request_error", "idempotency_error",
                      "rate_limit_error", "authentication_error", "api_connection_error")
_GATEWAY_ONLY_KEYS = frozenset({"decline_code", "doc_url", "request_log_url", "advice_code"})
_JSON_KEY = re.compile(r'"(?:[^"\\]|\\.)*"\s*:')
MAX_VALUES = 200      # string values looked at per answer (answers are truncated before this anyway)


@dataclass(frozen=True)
class Leak:
    kind: str
    pattern: re.Pattern
    in_values: bool     # also looked for in a JSON answer's other string values, not only the message
    why: str


LEAKS = (
    Leak("stack trace",
         re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|"
                    r"\bat [\w$.]+\([\w$]+\.\w+:\d+\)"),
         True, "shows the merchant's code to the customer and to attackers"),
    Leak("exception text",
         re.compile(r"\b(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception)\b(?=:|\(|$)|HTTPS?ConnectionPool\(|"
                    r"object at 0x[0-9a-f]+|\[Errno -?\d+\]|Max retries exceeded|\bstripe\.(?:_?error|Stripe)\w*"),
         True, "shows the merchant's internals instead of a human message"),
    Leak("raw gateway answer",
         re.compile(r"\{\s*\"error\"\s*:\s*\{|\"(?:decline_code|doc_url|request_log_url)\"\s*:|"
                    r"stripe\.com/docs/error-codes|"
                    r"dashboard\.stripe\.com/\w+/logs"),
         True, "passes the gateway's answer through instead of a human message"),
    Leak("raw HTML", re.compile(r"<!DOCTYPE html|<html[\s>]|<body[\s>]|<title>", re.IGNORECASE),
         True, "shows a raw error page (the gateway's or a proxy's) instead of a message"),
    Leak("gateway key error",
         re.compile(r"Invalid API Key provided|No API key provided|You did not provide an API key|"
                    r"Expired API Key|does not have the required permissions", re.IGNORECASE),
         True, "tells the customer (and attackers) that the merchant's gateway account is misconfigured"),
    # Stripe's request ids, and the proxy's for the answers it makes up (`req_paychaos_<hex>`)
    Leak("gateway request id", re.compile(r"\breq_(?:paychaos_)?[A-Za-z0-9]{6,}\b"), True,
         "exposes gateway internals the customer cannot act on"),
    Leak("Stripe error type", re.compile(r"\b(?:" + "|".join(STRIPE_ERROR_TYPES) + r"|resource_missing|"
                                         r"idempotency_key_in_use)\b"),
         False, "is gateway jargon the customer cannot act on"),
    Leak("Stripe object id", re.compile(r"\b(?:pi|ch|re|cus|evt|py|seti|src)_[A-Za-z0-9]{6,}\b"),
         False, "exposes gateway internals"),
    Leak("API key", re.compile(r"\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9*]+|\bwhsec_[A-Za-z0-9*]+"),
         True, "is a secret that lets anyone use the merchant's gateway account"),
)


def _load(body: str | None):
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _values(obj, out: list[str]) -> list[str]:
    """The string values of a JSON answer (keys left out), depth first, at most MAX_VALUES."""
    stack = [obj]
    while stack and len(out) < MAX_VALUES:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return out


def _gateway_error_object(obj) -> dict | None:
    """A Stripe error object passed through as it came: gateway-only keys, or a Stripe error type."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if _GATEWAY_ONLY_KEYS & item.keys() or (item.get("type") in STRIPE_ERROR_TYPES and "message" in item):
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def leaks_in(message: str | None, body: str | None) -> dict[str, str]:
    """Leak kind -> the text it was found in, for one customer answer."""
    found: dict[str, str] = {}
    loaded = _load(body)
    if loaded is None and body and body.lstrip()[:1] in ("{", "["):
        # JSON cut short (answers are stored truncated): its values, without the keys
        message_texts = [message] if message else []
        other_texts = [_JSON_KEY.sub(" ", body)]
    elif loaded is None:
        message_texts = [t for t in (message, body) if t]     # not JSON: the whole answer is shown
        other_texts = []
    else:
        message_texts = [message] if message else []
        other_texts = _values(loaded, [])
        passed = _gateway_error_object(loaded)
        if passed is not None:
            found["raw gateway answer"] = json.dumps(passed, ensure_ascii=False)
    for leak in LEAKS:
        if leak.kind in found:
            continue
        texts = message_texts + (other_texts if leak.in_values else [])
        hit = next((t for t in texts if leak.pattern.search(t)), None)
        if hit is not None:
            found[leak.kind] = hit
    for text in (message, body):
        if text and whole_card_numbers(text):
            found.setdefault("whole card number", text)
    return found


WHY = {leak.kind: leak.why for leak in LEAKS} | {
    "whole card number": "breaks PCI DSS: a card number is never shown whole (first six and last four at most)"}
