"""Real processes for the merchant tests, started once per session: a primary and a backup
`paychaos gateway`, one `paychaos proxy` in front of the primary (journal on), and each reference
merchant pointed at the proxy. Every test uses its own order ids, so nothing needs resetting."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from paychaos.common.procs import paychaos_argv, start_service
from paychaos.gateway.testing import get_ledger, running_gateway, set_webhook
from paychaos.proxies.journal import read_journal
from paychaos.proxies.testing import clear_rules, running_proxy

SECRET = "whsec_merchanttests"


@pytest.fixture(scope="session")
def primary_gateway():
    with running_gateway() as gw:
        yield gw


@pytest.fixture(scope="session")
def backup_gateway():
    with running_gateway() as gw:
        yield gw


@pytest.fixture(scope="session")
def journal_path(tmp_path_factory):
    return tmp_path_factory.mktemp("merchants") / "journal.jsonl"


@pytest.fixture(scope="session")
def proxy(primary_gateway, backup_gateway, journal_path):
    with running_proxy({"primary": primary_gateway.url, "backup": backup_gateway.url},
                       journal=journal_path) as svc:
        yield svc


@pytest.fixture
def faults(proxy):
    """Set fault rules on the proxy for one test: faults([{...}]); cleared afterwards."""
    from paychaos.proxies.testing import set_rules

    control = proxy.info["control"]
    yield lambda rules: set_rules(control, rules, scenario="merchant-tests")
    clear_rules(control)


def start_merchant(name: str, *args: str, env: dict | None = None):
    return start_service(f"merchant-{name}", paychaos_argv("merchant", name, "--port", "0", *args),
                         env=env, timeout=30)


@pytest.fixture(scope="session")
def resilient(proxy, primary_gateway):
    svc = start_merchant("resilient", "--gateway-url", proxy.info["listeners"]["primary"],
                         "--backup-gateway-url", proxy.info["listeners"]["backup"], "--webhook-secret", SECRET)
    set_webhook(primary_gateway.url, svc.url + "/webhooks/stripe", SECRET)
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def naive(proxy):
    svc = start_merchant("naive", env={"STRIPE_API_BASE": proxy.info["listeners"]["primary"],
                                       "STRIPE_BACKUP_API_BASE": proxy.info["listeners"]["backup"],
                                       "STRIPE_WEBHOOK_SECRET": SECRET})
    yield svc
    svc.stop()


# -- helpers the tests share -------------------------------------------------------------------

def new_order_id(prefix: str = "ord") -> str:
    # a letter in the middle: twelve random hex digits are all digits one time in 280, and the journal masks
    # such a run as a card number, so the test could no longer find its order there (seen in CI)
    h = uuid.uuid4().hex
    return f"{prefix}_{h[:6]}x{h[6:12]}"


def checkout(merchant_url: str, order_id: str, *, token: str | None = "pm_card_visa", card: dict | None = None,
             locale: str = "en_US", amount: int = 1234, timeout: float = 30.0) -> tuple[dict, float]:
    """POST /checkout as the driver does; returns (answer, seconds it took)."""
    body = {"order_id": order_id, "amount": amount, "currency": "usd", "payment_method": token,
            "card": card or {"number": None, "exp_month": None, "exp_year": None, "cvc": None},
            "customer": {"name": "Test Customer", "email": "t@example.com", "locale": locale}}
    start = time.monotonic()
    resp = requests.post(merchant_url + "/checkout", json=body, timeout=timeout)
    assert resp.status_code == 200, resp.text
    return resp.json(), time.monotonic() - start


def order_state(merchant_url: str, order_id: str) -> dict:
    return requests.get(f"{merchant_url}/orders/{order_id}", timeout=10).json()


def money_for(gateway_url: str, order_id: str) -> dict:
    """Ledger money of one order: {captured, refunded, net, charges} (zeros when none)."""
    by_order = get_ledger(gateway_url)["money"]["by_metadata"].get("order_id", {})
    return by_order.get(order_id, {"captured": 0, "refunded": 0, "net": 0, "charges": 0})


def exchanges_for(journal_path, order_id: str, path_prefix: str = "/v1/payment_intents",
                  settle_s: float = 0.3, at_least: int = 1) -> list[dict]:
    """Journal records of POSTs carrying this order id. The proxy writes a record as its exchange
    ends, which can be a moment after the merchant has answered: wait (up to 10 s) for `at_least`
    records, then read until the list has not changed for settle_s."""

    def read() -> list[dict]:
        if not journal_path.exists():
            return []
        return [r for r in read_journal(journal_path)
                if r.get("method") == "POST" and r.get("path", "").startswith(path_prefix)
                and ((r.get("request") or {}).get("metadata") or {}).get("order_id") == order_id]

    records, stable_since, deadline = read(), time.monotonic(), time.monotonic() + 10
    while (len(records) < at_least or time.monotonic() - stable_since < settle_s) and time.monotonic() < deadline:
        time.sleep(0.05)
        now = read()
        if len(now) != len(records):
            records, stable_since = now, time.monotonic()
    return records


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def signed(payload: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, signed as Stripe signs them."""
    body = json.dumps(payload).encode()
    t = int(time.time()) if at is None else at
    sig = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={t},v1={sig}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:8]}x{uuid.uuid4().hex[:8]}", "object": "event", "type": event_type,
            "api_version": "2024-06-20", "created": int(time.time()), "livemode": False,
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
            "data": {"object": obj}}
