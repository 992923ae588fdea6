"""Stripe's webhook signature, `Stripe-Signature: t=<unix>,v1=<hex>`: the one place it is computed,
by the gateway when it signs deliveries and by the proxy's `webhook_forge` when it signs forgeries."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value: t=<unix>,v1=HMAC-SHA256(secret, f"{t}.{payload}")."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode("utf-8"), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(payload: bytes, header: str, secret: str, *, tolerance_s: int = 300, now: float | None = None) -> bool:
    """Whether `header` (a `Stripe-Signature` value) signs `payload` with `secret`: some `v1` of the
    header is HMAC-SHA256(secret, f"{t}.{payload}") and `t` is at most `tolerance_s` old, which is
    how Stripe's libraries check a delivery (a replay of an old one is refused)."""
    timestamp, candidates = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or not secret:
        return False
    expected = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        return False
    return tolerance_s <= 0 or timestamp >= (time.time() if now is None else now) - tolerance_s
