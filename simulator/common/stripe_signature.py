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
