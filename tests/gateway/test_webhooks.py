"""Webhooks: delivered from a background queue, signed as Stripe signs (construct_event accepts
them), retried with backoff on non-2xx and timeouts."""

from __future__ import annotations

import http.server
import threading
import time

import httpx
import pytest
import stripe

from paychaos.gateway.testing import running_gateway, set_webhook, sim_headers, webhook_log

SECRET = "whsec_test_paychaos_hooks"
AUTH = {"Authorization": "Bearer sk_test_hooks"}


class Receiver:
    """A real HTTP endpoint on port 0 that records deliveries and answers with scripted statuses."""

    def __init__(self, statuses=(), delay_s: float = 0.0):
        self.statuses = list(statuses)
        self.delay_s = delay_s
        self.received: list[tuple[bytes, str, float]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.received.append((body, self.headers.get("Stripe-Signature"), time.monotonic()))
                    status = outer.statuses.pop(0) if outer.statuses else 200
                if outer.delay_s:
                    time.sleep(outer.delay_s)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/stripe"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list:
        with self.lock:
            return [stripe.Webhook.construct_event(body.decode(), sig, SECRET) for body, sig, _ in self.received]

    def wait_for(self, predicate, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out; received {len(self.received)} deliveries")


def pay(url: str, pm: str = "pm_card_visa", **extra) -> httpx.Response:
    return httpx.post(url + "/v1/payment_intents", headers=AUTH, data={
        "amount": "1000", "currency": "usd", "payment_method": pm, "confirm": "true", **extra})


@pytest.fixture
def hooks_gateway():
    with Receiver() as rx, running_gateway(webhook_url=rx.url, webhook_secret=SECRET,
                                           webhook_retry_base_ms=50, webhook_max_attempts=3) as gw:
        yield gw, rx


def test_payment_events_arrive_signed_and_verifiable(hooks_gateway):
    gw, rx = hooks_gateway
    pi = pay(gw.url, **{"metadata[order_id]": "o1"}).json()
    rx.wait_for(lambda: len(rx.received) >= 3)
    events = rx.events()  # construct_event raises if a signature is wrong
    assert {e.type for e in events} == {"payment_intent.created", "charge.succeeded", "payment_intent.succeeded"}
    succeeded = next(e for e in events if e.type == "payment_intent.succeeded")
    assert succeeded.data.object.id == pi["id"] and succeeded.data.object.metadata["order_id"] == "o1"
    assert succeeded.request.id.startswith("req_")
    with pytest.raises(stripe.SignatureVerificationError):
        body, sig, _ = rx.received[0]
        stripe.Webhook.construct_event(body.decode(), sig, "whsec_wrong")


def test_decline_and_refund_events(hooks_gateway):
    gw, rx = hooks_gateway
    pay(gw.url, "pm_card_chargeDeclinedInsufficientFunds")
    pi = pay(gw.url).json()
    httpx.post(gw.url + "/v1/refunds", headers=AUTH, data={"payment_intent": pi["id"], "amount": "400"})
    rx.wait_for(lambda: len(rx.received) >= 8)
    types = [e.type for e in rx.events()]
    for wanted in ("charge.failed", "payment_intent.payment_failed", "refund.created", "charge.refunded"):
        assert wanted in types
    refunded = next(e for e in rx.events() if e.type == "charge.refunded")
    assert refunded.data.object.amount_refunded == 400


def test_failed_deliveries_are_retried_with_backoff_and_signed_afresh():
    with Receiver(statuses=[500, 503]) as rx, running_gateway(
            webhook_url=rx.url, webhook_secret=SECRET, webhook_retry_base_ms=100, webhook_max_attempts=4) as gw:
        httpx.post(gw.url + "/v1/customers", headers=AUTH, data={"email": "a@example.com"})
        rx.wait_for(lambda: len(rx.received) >= 3)
        times = [t for _, _, t in rx.received]
        assert times[1] - times[0] >= 0.09 and times[2] - times[1] >= 0.18  # 100 ms, then 200 ms
        assert len({body for body, _, _ in rx.received}) == 1
        assert [e.id for e in rx.events()] == [rx.events()[0].id] * 3
        log = webhook_log(gw.url)
        assert (log["delivered"], log["failed_attempts"], log["pending"]) == (1, 2, 0)
        assert [d["status"] for d in log["deliveries"]] == [500, 503, 200]


def test_slow_endpoint_times_out_and_never_blocks_the_api():
    with Receiver(delay_s=1.0) as rx, running_gateway(
            webhook_url=rx.url, webhook_secret=SECRET, webhook_timeout_s=0.2, webhook_max_attempts=2,
            webhook_retry_base_ms=50) as gw:
        with httpx.Client(headers=AUTH) as http:
            for _ in range(5):  # each answer comes well before the 1 s endpoint could have been waited on
                started = time.monotonic()
                answer = http.post(gw.url + "/v1/payment_intents", data={
                    "amount": "1000", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"})
                assert answer.status_code == 200 and time.monotonic() - started < 0.8
        assert webhook_log(gw.url)["pending"] > 0
        deadline = time.monotonic() + 10
        while webhook_log(gw.url)["pending"] and time.monotonic() < deadline:
            time.sleep(0.05)
        log = webhook_log(gw.url)
        assert log["pending"] == 0 and log["gave_up"] == 15 and log["failed_attempts"] == 30
        assert {d["error"] for d in log["deliveries"]} == {"timeout"}


def test_endpoints_through_the_api_and_sim(gateway):
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": gateway.url})
    with Receiver() as rx:
        ep = client.v1.webhook_endpoints.create(params={"url": rx.url, "enabled_events": ["refund.created"]})
        assert ep.secret.startswith("whsec_")
        httpx.post(gateway.url + "/v1/customers", headers=AUTH, data={})
        pi = pay(gateway.url).json()
        httpx.post(gateway.url + "/v1/refunds", headers=AUTH, data={"payment_intent": pi["id"]})
        rx.wait_for(lambda: len(rx.received) >= 1)
        body, sig, _ = rx.received[0]
        assert stripe.Webhook.construct_event(body.decode(), sig, ep.secret).type == "refund.created"
        assert [e.id for e in client.v1.webhook_endpoints.list().data] == [ep.id]
        client.v1.webhook_endpoints.delete(ep.id)
        assert client.v1.webhook_endpoints.list().data == []

        set_webhook(gateway.url, rx.url, SECRET)
        pay(gateway.url)
        rx.wait_for(lambda: len(rx.received) >= 4)
        later = [stripe.Webhook.construct_event(b.decode(), s, SECRET) for b, s, _ in rx.received[1:]]
        assert "payment_intent.succeeded" in {e.type for e in later}
        httpx.delete(gateway.url + "/_sim/webhooks", headers=sim_headers(gateway.url))


def test_events_api_lists_by_type(client):
    pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "payment_method": "pm_card_visa",
                                                  "confirm": True})
    events = client.v1.events.list(params={"type": "payment_intent.succeeded"}).data
    assert [e.data.object.id for e in events] == [pi.id]
    assert client.v1.events.retrieve(events[0].id).type == "payment_intent.succeeded"
    assert len(client.v1.events.list(params={"type": "payment_intent.*"}).data) == 2
    assert [e.type for e in client.v1.events.list().data][:1] == ["payment_intent.succeeded"]
