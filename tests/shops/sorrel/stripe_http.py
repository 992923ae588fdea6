"""Sorrel's own few lines of Stripe over plain HTTP (httpx, form-encoded, no SDK): one call with a timeout,
retried on no answer / 409 / 429 / 5xx / an unreadable answer under the SAME Idempotency-Key, and the
signature check of a webhook."""

from __future__ import annotations

import hashlib
import hmac
import random
import time
import uuid
from urllib.parse import urlencode

import httpx

TRIES = 3
TIMEOUT_S = 3.0
TOLERANCE_S = 300            # how old a signed webhook may be


class GatewayDown(Exception):
    """No usable answer after every try. `reached`: False when no try ever connected (the call surely did
    not happen), True when one may have reached the gateway."""

    def __init__(self, words: str, reached: bool = True):
        super().__init__(words)
        self.reached = reached


class Refused(Exception):
    """The gateway answered 4xx: `kind` is Stripe's error type, `code` / `decline_code` its codes."""

    def __init__(self, status: int, error: dict):
        super().__init__(error.get("message") or f"HTTP {status}")
        self.status, self.kind = status, error.get("type")
        self.code, self.decline_code = error.get("code"), error.get("decline_code")


def form(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """{"metadata": {"a": 1}, "types": ["card"]} -> metadata[a]=1, types[0]=card (Stripe's form encoding)."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, dict):
            out += form(value, name)
        elif isinstance(value, list):
            out += form({str(i): v for i, v in enumerate(value)}, name)
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        else:
            out.append((name, str(value)))
    return out


class Stripe:
    def __init__(self, base: str, key: str, fresh_keys: bool = False):
        self.http = httpx.Client(base_url=base.rstrip("/"), timeout=TIMEOUT_S, auth=(key, ""))
        self.fresh_keys = fresh_keys   # the defect `fresh_key_per_try`: a new Idempotency-Key on every try

    def post(self, path: str, params: dict | None = None, key: str | None = None) -> dict:
        return self._call("POST", path, form(params or {}), key)

    def get(self, path: str, query: dict | None = None) -> dict:
        return self._call("GET", path, query, None)

    def _call(self, method: str, path: str, data, key: str | None) -> dict:
        reached = False
        for attempt in range(TRIES):
            headers = {}
            if method == "POST":
                headers["Idempotency-Key"] = f"{key}-{uuid.uuid4().hex[:8]}" if self.fresh_keys or not key else key
            wait = 0.2 * 2 ** attempt * random.uniform(0.5, 1.0)
            try:
                if method == "POST":
                    answer = self.http.post(path, content=urlencode(data), headers={
                        **headers, "Content-Type": "application/x-www-form-urlencoded"})
                else:
                    answer = self.http.get(path, params=data)
                if answer.status_code in (409, 429) or answer.status_code >= 500:
                    wait = max(wait, min(float(answer.headers.get("retry-after") or 0), 3.0))
                    raise GatewayDown(f"HTTP {answer.status_code}")
                body = answer.json()
            except (httpx.HTTPError, ValueError, GatewayDown) as exc:
                reached = reached or not isinstance(exc, httpx.ConnectError)
                if attempt == TRIES - 1:
                    raise GatewayDown(str(exc) or type(exc).__name__, reached) from exc
                time.sleep(wait)
                continue
            if answer.status_code >= 400:
                raise Refused(answer.status_code, body.get("error") if isinstance(body.get("error"), dict) else {})
            return body
        raise AssertionError("unreachable")


def signed(payload: bytes, header: str, secret: str) -> bool:
    """Stripe-Signature `t=...,v1=...`: HMAC-SHA256 of `t.payload` with the endpoint secret, not too old."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamp = next((v for k, v in parts if k == "t"), "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_S or not secret:
        return False
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
    return any(k == "v1" and hmac.compare_digest(v, mac) for k, v in parts)
