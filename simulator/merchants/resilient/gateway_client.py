"""One gateway as the resilient merchant sees it: Stripe's API over plain HTTP (stripe_http.py: form
parameters, Idempotency-Key, a whole-call deadline, no retries of its own), and each call's result
classified for the retry policy: did it work, may it be retried, and may the gateway have acted
(charged) anyway? Error answers are read from Stripe's envelope `{"error": {type, code, decline_code,
payment_intent, ...}}` and the headers Retry-After and Stripe-Should-Retry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paychaos.merchants.resilient.stripe_http import Answer, StripeHTTP, Unreachable

log = logging.getLogger("paychaos.merchant.gateway")


# Outcome kinds of one call.
OK = "ok"                  # the gateway answered with the object
DECLINED = "declined"      # a card error: final, never retried
TRANSIENT = "transient"    # outage, timeout, 5xx, 409, 429: worth another try
AUTH = "auth"              # 401/403: our account at this gateway is refused
INVALID = "invalid"        # other 4xx: our request is wrong; retrying will not help
UNKNOWN = "unknown"        # an answer we cannot read (garbled 200, idempotency clash)


@dataclass
class CallResult:
    kind: str
    obj: Any = None                 # the answer as a plain dict when kind == OK
    status: int | None = None
    code: str | None = None
    decline_code: str | None = None
    payment_intent: str | None = None   # the intent a card error names
    retry_after_s: float | None = None
    should_retry: bool | None = None     # Stripe-Should-Retry, when the gateway sent it
    may_have_acted: bool = False         # the gateway may have done the work (charged) anyway
    detail: str = ""

    @property
    def retryable(self) -> bool:
        if self.kind in (DECLINED, OK):
            return False
        if self.should_retry is not None:
            return self.should_retry
        return self.kind in (TRANSIENT, UNKNOWN)


class CallFailed(Exception):
    """A call that did not return the object; `result` says how it failed."""

    def __init__(self, result: CallResult):
        super().__init__(result.detail)
        self.result = result


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def classify_unreachable(exc: Unreachable) -> CallResult:
    return CallResult(TRANSIENT, may_have_acted=exc.sent, detail=exc.kind)


def classify_answer(answer: Answer) -> CallResult:
    """An answer that is not a readable 2xx object: a card error, a refusal, an outage, or garbage."""
    status = answer.status
    try:
        body = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    err = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
    should = answer.headers.get("stripe-should-retry")
    pi = err.get("payment_intent")
    result = CallResult(
        UNKNOWN, status=status, code=err.get("code"), decline_code=err.get("decline_code"),
        payment_intent=pi.get("id") if isinstance(pi, dict) else pi,
        retry_after_s=_float(answer.headers.get("retry-after")),
        should_retry=None if should is None else should.strip().lower() == "true",
        detail=f"{status} {err.get('type') or ''} {err.get('code') or ''}".strip())
    if status == 402 or err.get("type") == "card_error":
        result.kind = DECLINED
    elif 200 <= status < 300:
        result.kind, result.may_have_acted = UNKNOWN, True   # garbled answer after sending
    elif status in (401, 403):
        result.kind = AUTH
    elif status in (409, 429) or status >= 500:
        result.kind = TRANSIENT
        # A 500 may come from the middle of the work; 409 means our first request is still running.
        result.may_have_acted = status in (409, 500)
    elif err.get("type") == "idempotency_error":
        result.kind, result.may_have_acted = UNKNOWN, True
    else:
        result.kind = INVALID
    return result


class Calls:
    """What a call function gets: the gateway's API with this call's deadline. Each method returns the
    answer's object as a dict, or raises CallFailed."""

    def __init__(self, http: StripeHTTP, timeout_s: float):
        self._http, self._timeout_s = http, max(0.05, timeout_s)

    def post(self, path: str, params: dict | None = None, *, idempotency_key: str | None = None) -> dict:
        return self._object("POST", path, params, idempotency_key)

    def get(self, path: str, params: dict | None = None) -> dict:
        return self._object("GET", path, params, None)

    def _object(self, method: str, path: str, params: dict | None, idempotency_key: str | None) -> dict:
        try:
            answer = self._http.request(method, path, params, timeout_s=self._timeout_s,
                                        idempotency_key=idempotency_key)
        except Unreachable as exc:
            raise CallFailed(classify_unreachable(exc)) from exc
        if 200 <= answer.status < 300:
            try:
                obj = json.loads(answer.body)
            except (ValueError, UnicodeDecodeError):
                obj = None
            if isinstance(obj, dict):
                return obj
        raise CallFailed(classify_answer(answer))


class Gateway:
    """A named gateway (primary or backup) reached over Stripe's HTTP API."""

    def __init__(self, name: str, url: str, api_key: str):
        self.name = name
        self.url = url
        self.http = StripeHTTP(url, api_key)

    def call(self, fn: Callable[[Calls], Any], timeout_s: float) -> CallResult:
        try:
            return CallResult(OK, obj=fn(Calls(self.http, timeout_s)), status=200)
        except CallFailed as failed:
            return failed.result

    def __repr__(self) -> str:
        return f"Gateway({self.name}, {self.url})"
