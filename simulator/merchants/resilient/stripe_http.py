"""Stripe's HTTP API spoken directly, with `requests` (a base dependency): form-encoded parameters in
Stripe's bracket form, `Authorization: Bearer`, an `Idempotency-Key` when the caller gives one, and a
deadline that covers the whole call, slow bodies included. An answer is returned as it came (status,
headers, body bytes); reading it is the caller's part (gateway_client.py). No retries here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests

USER_AGENT = "paychaos-resilient-merchant"


def form_pairs(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: nested objects as `card[number]`, lists as `payment_method_types[0]`,
    booleans as `true`/`false`; None values are left out, as Stripe's own libraries do."""
    pairs: list[tuple[str, str]] = []
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, dict | list | tuple):
            pairs += form_pairs(value, name)
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value)))
    return pairs


class Unreachable(Exception):
    """No whole answer. `sent` is False only when the request surely never reached the gateway."""

    def __init__(self, message: str, *, kind: str, sent: bool):
        super().__init__(message)
        self.kind = kind    # refused | connect_timeout | timeout | reset
        self.sent = sent


@dataclass
class Answer:
    status: int
    headers: dict[str, str]     # lower-case names
    body: bytes


class StripeHTTP:
    """One gateway's API at `base_url` with one secret key; a `requests.Session` per thread."""

    def __init__(self, base_url: str, api_key: str):
        self.base_url = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if getattr(self._local, "session", None) is None:
            self._local.session = requests.Session()
        return self._local.session

    def request(self, method: str, path: str, params: dict | None, *, timeout_s: float,
                idempotency_key: str | None = None) -> Answer:
        """One call; Unreachable when no whole answer came within `timeout_s`."""
        headers = dict(self._auth)
        pairs = form_pairs(params or {})
        body = query = None
        if method == "GET":
            query = pairs
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = pairs
            if idempotency_key:
                headers["Idempotency-Key"] = idempotency_key
        deadline = time.monotonic() + timeout_s
        try:
            resp = self._session().request(method, self.base_url + path, params=query, data=body, headers=headers,
                                           timeout=(min(timeout_s, 1.5), timeout_s), stream=True)
            chunks = []
            for chunk in resp.iter_content(16384):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    resp.close()
                    raise Unreachable(f"no whole answer within {timeout_s:.1f}s", kind="timeout", sent=True)
            return Answer(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks))
        except Unreachable:
            self._local.session = None
            raise
        except requests.exceptions.ConnectTimeout as exc:
            self._local.session = None
            raise Unreachable(f"connect timeout: {exc}", kind="connect_timeout", sent=False) from exc
        except requests.exceptions.Timeout as exc:
            self._local.session = None
            raise Unreachable(f"timeout after {timeout_s:.1f}s", kind="timeout", sent=True) from exc
        except requests.exceptions.RequestException as exc:
            self._local.session = None
            text = str(exc)
            refused = "Connection refused" in text or "NewConnectionError" in text
            raise Unreachable(text, kind="refused" if refused else "reset", sent=not refused) from exc

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
