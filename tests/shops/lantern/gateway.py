"""Lantern's calls to Stripe: one StripeClient, a timeout on every call, and its own retry policy.

Retries (the SDK's own are switched off so the policy is in one place): connection errors, timeouts, 409,
429 and 5xx are retried with exponential backoff and jitter under the SAME Idempotency-Key (so a retry
after a lost answer is a replay, never a second charge), honouring Retry-After, within the checkout's
deadline. Card errors and other 4xx are never retried. With the `no_idempotency` defect the shop sets no
key; stripe-python 16 then puts a fresh random key on every call, so each retry is a new payment.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import stripe

CALL_TIMEOUT_S = 2.5       # per gateway call
DEADLINE_S = 7.0           # no new attempt starts later than this into a checkout
MAX_ATTEMPTS = 3
BACKOFF_BASE_S = 0.25
RETRY_AFTER_CAP_S = 3.0

TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def is_transient(exc: Exception) -> bool:
    """A call that may succeed if tried again: no answer, 409, 429, 5xx or an unreadable answer."""
    return isinstance(exc, TRANSIENT)


@dataclass
class GatewaySettings:
    api_base: str
    api_key: str
    timeout: bool = True            # False: the `no_timeout` defect (SDK default 80 s)
    idempotency: bool = True        # False: the `no_idempotency` defect


def make_client(settings: GatewaySettings) -> stripe.StripeClient:
    http = stripe.RequestsClient(timeout=CALL_TIMEOUT_S) if settings.timeout else stripe.RequestsClient()
    return stripe.StripeClient(settings.api_key, base_addresses={"api": settings.api_base},
                               max_network_retries=0, http_client=http)


class Deadline:
    def __init__(self, seconds: float = DEADLINE_S):
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()


def _wait_before(attempt: int, exc: Exception) -> float:
    retry_after = None
    headers = getattr(exc, "headers", None) or {}
    try:
        retry_after = float(headers.get("retry-after") or headers.get("Retry-After") or "")
    except (TypeError, ValueError):
        pass
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CAP_S)
    return BACKOFF_BASE_S * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)


def call(settings: GatewaySettings, fn: Callable[[dict], object], key: str | None, deadline: Deadline,
         retry: bool = True):
    """fn(options) under the retry policy (key: the Idempotency-Key for a POST, None for a GET); raises the
    last stripe error when it gives up."""
    attempt = 0
    while True:
        attempt += 1
        options = {"idempotency_key": key} if key and settings.idempotency else {}
        try:
            return fn(options)
        except stripe.StripeError as exc:
            if not (retry and is_transient(exc)) or attempt >= MAX_ATTEMPTS:
                raise
            wait = _wait_before(attempt, exc)
            if deadline.left() < wait + 0.5:
                raise
            time.sleep(wait)
