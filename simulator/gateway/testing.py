"""Helpers for tests that need a gateway: start a real `paychaos gateway` process, read its ledger.

    with running_gateway(seed=1, webhook_url=hook_url) as gw:
        stripe_client = stripe.StripeClient("sk_test_x", base_addresses={"api": gw.url})
        ...
        assert get_ledger(gw.url)["money"]["currency_totals"]["usd"]["captured"] == 1000

The /_sim helpers send the gateway's token (X-Paychaos-Token) by themselves: the one of its ready line
when this process started it (`localtoken.token_for(url)`), or the `token=` given.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

from paychaos.common import localtoken
from paychaos.common.procs import Service, paychaos_argv, start_service


def gateway_argv(**options) -> list[str]:
    """`paychaos gateway` argv from keyword options: webhook_url="..." -> --webhook-url ...;
    a list or tuple repeats the flag: allow_webhook_host=["a", "b"]."""
    args = ["gateway"]
    options.setdefault("port", 0)
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        else:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                args += [flag, str(item)]
    return paychaos_argv(*args)


@contextlib.contextmanager
def running_gateway(*, timeout: float = 20.0, **options) -> Iterator[Service]:
    """A gateway subprocess for the duration of the block; yields the Service (`.url`)."""
    svc = start_service("gateway", gateway_argv(**options), timeout=timeout)
    try:
        yield svc
    finally:
        svc.stop()


def sim_headers(url: str, token: str | None = None) -> dict[str, str]:
    """Headers a /_sim call needs: JSON, and the gateway's token (given, or found by its URL)."""
    return {"Content-Type": "application/json", **localtoken.headers(token or localtoken.token_for(url))}


def _call(url: str, method: str = "GET", payload: dict | None = None, timeout: float = 10.0,
          token: str | None = None) -> dict:
    # /_sim takes POSTs only as application/json and calls with the token (docs/gateway.md, "Local service")
    data = json.dumps(payload).encode() if payload is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(url, data=data, method=method, headers=sim_headers(url, token))
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def get_ledger(url: str, *, token: str | None = None) -> dict:
    """The gateway's /_sim/ledger (see docs/ARCHITECTURE.md for its shape)."""
    return _call(url.rstrip("/") + "/_sim/ledger", token=token)


def reset(url: str, *, token: str | None = None) -> None:
    """Forget all payments, idempotency keys, events and counters (webhook endpoints stay)."""
    _call(url.rstrip("/") + "/_sim/reset", "POST", token=token)


def set_webhook(url: str, hook_url: str, secret: str, *, token: str | None = None) -> dict:
    """Add (or replace) the endpoint the gateway delivers every event to."""
    return _call(url.rstrip("/") + "/_sim/webhooks", "POST", {"url": hook_url, "secret": secret}, token=token)


def clear_webhooks(url: str, *, token: str | None = None) -> None:
    """Remove every webhook endpoint (those `/_sim/reset` keeps)."""
    _call(url.rstrip("/") + "/_sim/webhooks", "DELETE", token=token)


def webhook_log(url: str, *, token: str | None = None) -> dict:
    """Endpoints, delivery counters and the recent delivery attempts."""
    return _call(url.rstrip("/") + "/_sim/webhooks", token=token)


def complete_payment(url: str, intent_id: str, *, token: str | None = None) -> dict:
    """Play the customer finishing an Alipay / WeChat Pay / bank transfer / 3DS payment."""
    return _call(f"{url.rstrip('/')}/_sim/payment_intents/{intent_id}/complete", "POST", token=token)


def fail_payment(url: str, intent_id: str, *, token: str | None = None) -> dict:
    return _call(f"{url.rstrip('/')}/_sim/payment_intents/{intent_id}/fail", "POST", token=token)


def expire_session(url: str, session_id: str, *, token: str | None = None) -> dict:
    """A Checkout Session's time runs out now (checkout.session.expired), as when its expires_at passes."""
    return _call(f"{url.rstrip('/')}/_sim/checkout_sessions/{session_id}/expire", "POST", token=token)


def set_processing_delay(url: str, delay_ms: int, *, token: str | None = None) -> None:
    _call(url.rstrip("/") + "/_sim/config", "POST", {"processing_delay_ms": delay_ms}, token=token)


def submit_form(page_url: str, fields: dict) -> tuple[int, str | None]:
    """POST a hosted page's form as a browser does (redirects not followed): (status, Location)."""
    parts = urlsplit(page_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", parts.path, body=urlencode(fields),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Location")
    finally:
        conn.close()


def answer_3ds(challenge_url: str, passed: bool = True) -> tuple[int, str | None]:
    """Press "Complete" (or "Fail") on the 3-D Secure page a next_action points at (`/_3ds/{id}`)."""
    return submit_form(challenge_url, {"result": "pass" if passed else "fail"})


def pay_hosted_checkout(session_url: str, number: str = "4242424242424242", email: str = "test@example.com",
                        method: str = "card") -> tuple[int, str | None]:
    """Pay a Checkout Session's hosted page (`/pay/{cs}`) like a customer: 303 to success_url, to the
    3-D Secure page, or 402 for a decline (the page again)."""
    fields = {"action": "pay", "method": method, "email": email}
    if method == "card":
        fields.update({"number": number, "expiry": "12/34", "cvc": "1234" if number[:2] in ("34", "37") else "123"})
    return submit_form(session_url, fields)
