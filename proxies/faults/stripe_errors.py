"""Stripe's error object and headers, for the answers faults make up (docs: stripe-facts.md)."""

from __future__ import annotations

import secrets


def error_body(type_: str, message: str, *, code: str | None = None, decline_code: str | None = None,
               **extra) -> dict:
    err = {"type": type_, "code": code, "message": message, "doc_url": None, "param": None,
           "request_log_url": None}
    if code:
        err["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if decline_code:
        err["decline_code"] = decline_code
    err.update(extra)
    return {"error": err}


def error_headers(*, retry_after_s: float | None = None, should_retry: bool | None = None) -> dict:
    headers = {"Content-Type": "application/json", "Request-Id": f"req_paychaos_{secrets.token_hex(6)}"}
    if retry_after_s is not None:
        headers["Retry-After"] = format_seconds(retry_after_s)
    if should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if should_retry else "false"
    return headers


def format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# What the gateway (and Stripe's API) sends on every API answer, so a page's stripe.js on another origin
# may read it; a made-up or rewritten answer to a browser's call carries it too (PaychaosAddon.response)
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
