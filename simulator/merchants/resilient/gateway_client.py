"""One gateway as the resilient merchant sees it: the real stripe SDK (StripeClient, no SDK retries)
over an HTTP client that enforces a whole-call deadline, and each call's result classified for the
retry policy: did it work, may it be retried, and may the gateway have acted (charged) anyway?
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
import stripe

log = logging.getLogger("paychaos.merchant.gateway")

_call_timeout: contextvars.ContextVar[float] = contextvars.ContextVar("call_timeout", default=2.0)


@contextlib.contextmanager
def call_timeout(seconds: float) -> Iterator[None]:
    token = _call_timeout.set(max(0.05, seconds))
    try:
        yield
    finally:
        _call_timeout.reset(token)


class GatewayUnreachable(stripe.APIConnectionError):
    """No answer. `sent` is False only when the request surely never reached the gateway."""

    def __init__(self, message: str, *, kind: str, sent: bool):
        super().__init__(message, should_retry=True)
        self.kind = kind    # refused | connect_timeout | timeout | reset
        self.sent = sent


class DeadlineHTTPClient(stripe.HTTPClient):
    """requests-based client whose timeout covers the whole call, slow bodies included."""

    name = "paychaos-deadline"

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if getattr(self._local, "session", None) is None:
            self._local.session = requests.Session()
        return self._local.session

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        timeout = _call_timeout.get()
        deadline = time.monotonic() + timeout
        try:
            resp = self._session().request(method, url, headers=headers, data=post_data,
                                           timeout=(min(timeout, 1.5), timeout), stream=True)
            chunks = []
            for chunk in resp.iter_content(16384):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    resp.close()
                    raise GatewayUnreachable(f"no whole answer within {timeout:.1f}s", kind="timeout", sent=True)
            return b"".join(chunks), resp.status_code, resp.headers
        except GatewayUnreachable:
            self._local.session = None
            raise
        except requests.exceptions.ConnectTimeout as exc:
            self._local.session = None
            raise GatewayUnreachable(f"connect timeout: {exc}", kind="connect_timeout", sent=False) from exc
        except requests.exceptions.Timeout as exc:
            self._local.session = None
            raise GatewayUnreachable(f"timeout after {timeout:.1f}s", kind="timeout", sent=True) from exc
        except requests.exceptions.RequestException as exc:
            self._local.session = None
            text = str(exc)
            refused = "Connection refused" in text or "NewConnectionError" in text
            raise GatewayUnreachable(text, kind="refused" if refused else "reset", sent=not refused) from exc

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        return self.request(method, url, headers, post_data)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()


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


def _header(headers, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def classify_error(exc: Exception) -> CallResult:
    if isinstance(exc, GatewayUnreachable):
        return CallResult(TRANSIENT, may_have_acted=exc.sent, detail=exc.kind)
    if isinstance(exc, stripe.APIConnectionError):
        return CallResult(TRANSIENT, may_have_acted=True, detail="connection")
    if not isinstance(exc, stripe.StripeError):
        return CallResult(UNKNOWN, may_have_acted=True, detail=type(exc).__name__)
    status = exc.http_status
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    err = body.get("error") if isinstance(body.get("error"), dict) else {}
    headers = exc.headers
    if not headers and hasattr(exc.json_body, "items") and not isinstance(exc.json_body, dict):
        # stripe 16.1 passes the headers of an unreadable body as json_body (positional slip).
        headers = exc.json_body
    should = _header(headers, "Stripe-Should-Retry")
    retry_after = _header(headers, "Retry-After")
    try:
        retry_after_s = float(retry_after) if retry_after is not None else None
    except ValueError:
        retry_after_s = None
    pi = err.get("payment_intent")
    result = CallResult(
        UNKNOWN, status=status, code=err.get("code"), decline_code=err.get("decline_code"),
        payment_intent=pi.get("id") if isinstance(pi, dict) else pi, retry_after_s=retry_after_s,
        should_retry=None if should is None else should.strip().lower() == "true",
        detail=f"{status} {err.get('type') or ''} {err.get('code') or ''}".strip())
    if isinstance(exc, stripe.CardError) or status == 402 or err.get("type") == "card_error":
        result.kind = DECLINED
    elif status == 200 or status is None:
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


class Gateway:
    """A named gateway (primary or backup) reached through the stripe SDK."""

    def __init__(self, name: str, url: str, api_key: str):
        self.name = name
        self.url = url
        self.client = stripe.StripeClient(api_key, base_addresses={"api": url}, max_network_retries=0,
                                          http_client=DeadlineHTTPClient())

    def call(self, fn: Callable[[stripe.StripeClient], Any], timeout_s: float) -> CallResult:
        with call_timeout(timeout_s):
            try:
                obj = fn(self.client)
                # Plain dicts from here on (stripe objects refuse dict methods such as .get).
                return CallResult(OK, obj=obj.to_dict() if hasattr(obj, "to_dict") else obj, status=200)
            except stripe.StripeError as exc:
                return classify_error(exc)

    def __repr__(self) -> str:
        return f"Gateway({self.name}, {self.url})"
