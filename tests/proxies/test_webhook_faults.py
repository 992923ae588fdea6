"""Webhook-leg faults (the `webhooks` upstream, gateway -> merchant) through a real proxy: what the
merchant received, what the gateway was told, and what the journal recorded (webhook_forge also
with the real gateway and stripe's own signature check)."""

from __future__ import annotations

import json
import time

import pytest
import requests
import stripe

from paychaos.common.stripe_signature import sign
from paychaos.gateway.testing import get_ledger, running_gateway
from paychaos.proxies.testing import control_headers, set_rules
from tests.proxies.conftest import journal_of


def deliver(proxy, event_id: str, type_: str = "payment_intent.succeeded"):
    event = {"id": event_id, "object": "event", "type": type_,
             "data": {"object": {"id": "pi_1", "object": "payment_intent"}}}
    return requests.post(proxy.info["listeners"]["webhooks"] + "/webhooks/stripe", data=json.dumps(event),
                         headers={"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=ab"},
                         timeout=5)


def delivered_ids(upstream, n: int, timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(upstream.received) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return [json.loads(r["body"])["id"] for r in upstream.received]


def test_gateway_faults_do_not_touch_the_webhook_leg_by_default(proxy, control, upstream):
    set_rules(control, [{"fault": "http_error", "params": {"status": 500}}], scenario="wh-clean")
    assert deliver(proxy, "evt_0").status_code == 200
    assert delivered_ids(upstream, 1) == ["evt_0"]
    rec = journal_of(proxy, "wh-clean")[0]
    assert rec["direction"] == "to_merchant" and rec["upstream"] == "webhooks"
    assert rec["event"] == {"id": "evt_0", "type": "payment_intent.succeeded", "object_id": "pi_1"}


def test_webhook_drop_acknowledges_and_never_delivers(proxy, control, upstream):
    set_rules(control, [{"fault": "webhook_drop", "match": {"event.type": "payment_intent.*"}}],
              scenario="wh-drop")
    assert deliver(proxy, "evt_1").status_code == 200
    assert deliver(proxy, "evt_2", type_="charge.refunded").status_code == 200
    assert delivered_ids(upstream, 1) == ["evt_2"]
    recs = journal_of(proxy, "wh-drop", n=2)
    assert [r["faults"] for r in recs] == [[{"fault": "webhook_drop", "rule": "r1"}], []]


def test_webhook_duplicate_is_a_real_second_delivery(proxy, control, upstream):
    set_rules(control, [{"fault": "webhook_duplicate", "params": {"copies": 2}}], scenario="wh-dup")
    assert deliver(proxy, "evt_3").status_code == 200
    assert delivered_ids(upstream, 3) == ["evt_3"] * 3
    assert all(r["headers"].get("Stripe-Signature") == "t=1,v1=ab" for r in upstream.received)
    recs = journal_of(proxy, "wh-dup", n=3)
    assert len(recs) == 3 and all(r["status"] == 200 for r in recs)
    first = recs[0]
    assert [r.get("replay_of") for r in recs[1:]] == [first["id"], first["id"]]


def test_webhook_reorder_delivers_after_the_next_event(proxy, control, upstream):
    set_rules(control, [{"fault": "webhook_reorder", "times": 1}], scenario="wh-reorder")
    assert deliver(proxy, "evt_a").status_code == 200   # acknowledged at once, held back
    assert deliver(proxy, "evt_b").status_code == 200
    assert delivered_ids(upstream, 2) == ["evt_b", "evt_a"]
    recs = journal_of(proxy, "wh-reorder", n=3)
    assert sorted(r["event"]["id"] for r in recs) == ["evt_a", "evt_a", "evt_b"]


def test_webhook_reorder_releases_after_hold_when_nothing_follows(proxy, control, upstream):
    set_rules(control, [{"fault": "webhook_reorder", "params": {"hold_ms": 300}}], scenario="wh-hold")
    t0 = time.time()
    deliver(proxy, "evt_c")
    assert delivered_ids(upstream, 1) == ["evt_c"]
    assert 0.3 <= upstream.received[0]["t"] - t0 < 1.3


def test_webhook_delay_holds_the_delivery(proxy, control, upstream):
    set_rules(control, [{"fault": "webhook_delay", "params": {"delay_ms": 400}}], scenario="wh-delay")
    t0 = time.time()
    assert deliver(proxy, "evt_d").status_code == 200
    assert 0.4 <= upstream.received[0]["t"] - t0 < 1.0
    assert journal_of(proxy, "wh-delay")[0]["faults"][0]["fault"] == "webhook_delay"


SECRET = "whsec_merchant_endpoint"


def signed_delivery(proxy, event: dict):
    """A delivery as the gateway makes it: the payload signed with the endpoint's secret."""
    payload = json.dumps(event, separators=(",", ":"))
    return requests.post(proxy.info["listeners"]["webhooks"] + "/webhooks/stripe", data=payload,
                         headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, SECRET)},
                         timeout=5)


def verify(received: dict):
    return stripe.Webhook.construct_event(received["body"].decode(), received["headers"].get("Stripe-Signature", ""),
                                          SECRET)


@pytest.mark.parametrize("mode", ["bad_signature", "unsigned", "tampered"])
def test_webhook_forge_delivers_a_forged_event_that_fails_verification(proxy, control, upstream, mode):
    scenario = f"wh-forge-{mode}"
    set_rules(control, [{"fault": "webhook_forge", "params": {"mode": mode},
                         "match": {"event.type": "payment_intent.payment_failed"}}], scenario=scenario)
    failed = {"id": "evt_genuine", "object": "event", "type": "payment_intent.payment_failed", "created": 1,
              "data": {"object": {"id": "pi_9", "object": "payment_intent", "amount": 700,
                                  "status": "requires_payment_method", "metadata": {"order_id": "ord_9"}}}}
    assert signed_delivery(proxy, failed).status_code == 200
    genuine, forged = wait_received(upstream, 2)
    assert verify(genuine).id == "evt_genuine"                 # the genuine delivery is untouched
    event = json.loads(forged["body"])
    assert event["id"].startswith("evt_") and event["id"] != "evt_genuine"
    assert event["type"] == "payment_intent.succeeded"
    assert event["data"]["object"] | {"status": "succeeded"} == event["data"]["object"]
    assert event["data"]["object"]["metadata"] == {"order_id": "ord_9"}   # same intent, same order
    signature = forged["headers"].get("Stripe-Signature")
    if mode == "unsigned":
        assert signature is None
    elif mode == "tampered":
        assert signature == genuine["headers"]["Stripe-Signature"]
    else:
        assert signature and signature != genuine["headers"]["Stripe-Signature"]
    with pytest.raises(stripe.SignatureVerificationError):
        verify(forged)
    first, second = journal_of(proxy, scenario, n=2)
    assert "forged" not in first and first["event"]["id"] == "evt_genuine"
    assert second["forged"] == mode and second["replay_of"] == first["id"]
    assert second["faults"] == [{"fault": "webhook_forge", "rule": "r1"}]
    assert second["event"] == {"id": event["id"], "type": "payment_intent.succeeded", "object_id": "pi_9"}
    assert second["status"] == 200 and second["direction"] == "to_merchant"


def test_webhook_forge_leaves_other_events_and_non_events_alone(proxy, control, upstream):
    set_rules(control, [{"fault": "webhook_forge", "params": {"delay_ms": 200}}], scenario="wh-forge-other")
    resp = requests.post(proxy.info["listeners"]["webhooks"] + "/webhooks/stripe", data=b"not json",
                         headers={"Content-Type": "application/json"}, timeout=5)
    assert resp.status_code == 200
    t0 = time.time()
    signed_delivery(proxy, {"id": "evt_ok", "object": "event", "type": "charge.succeeded",
                            "data": {"object": {"id": "ch_1", "object": "charge"}}})
    received = wait_received(upstream, 3)
    assert received[2]["t"] - t0 >= 0.2                       # delay_ms after the genuine delivery
    assert json.loads(received[2]["body"])["type"] == "payment_intent.succeeded"
    assert [r.get("forged") for r in journal_of(proxy, "wh-forge-other", n=3)] == [None, None, "bad_signature"]


def test_webhook_forge_with_the_real_gateway_and_a_declined_payment(proxy, control, upstream):
    """The gateway signs and delivers payment_intent.payment_failed through the proxy; the receiver
    gets it, then a forged payment_intent.succeeded for the same intent that its secret rejects."""
    set_rules(control, [{"fault": "webhook_forge", "params": {"mode": "bad_signature"},
                         "match": {"event.type": "payment_intent.payment_failed"}}], scenario="wh-forge-gw")
    hook = proxy.info["listeners"]["webhooks"] + "/webhooks/stripe"
    with running_gateway(webhook_url=hook, webhook_secret=SECRET) as gw:
        sc = stripe.StripeClient("sk_test_forge", base_addresses={"api": gw.url}, max_network_retries=0)
        with pytest.raises(stripe.CardError) as info:
            sc.v1.payment_intents.create(params={
                "amount": 1300, "currency": "usd", "payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds",
                "confirm": True, "metadata": {"order_id": "ord_gw"}})
        pi_id = info.value.error.payment_intent["id"]
        deadline = time.monotonic() + 10
        while not any(json.loads(r["body"]).get("type") == "payment_intent.succeeded" for r in upstream.received):
            assert time.monotonic() < deadline, [json.loads(r["body"])["type"] for r in upstream.received]
            time.sleep(0.05)
        assert get_ledger(gw.url)["money"]["by_metadata"].get("order_id", {}).get("ord_gw", {}).get("captured", 0) == 0
    by_type = {json.loads(r["body"])["type"]: r for r in upstream.received}
    genuine, forged = by_type["payment_intent.payment_failed"], by_type["payment_intent.succeeded"]
    assert verify(genuine).data.object.id == pi_id
    assert json.loads(forged["body"])["data"]["object"]["id"] == pi_id
    assert json.loads(forged["body"])["id"] != json.loads(genuine["body"])["id"]
    with pytest.raises(stripe.SignatureVerificationError):
        verify(forged)
    records = journal_of(proxy, "wh-forge-gw", n=len(upstream.received))
    [rec] = [r for r in records if r.get("forged")]
    assert rec["forged"] == "bad_signature" and rec["faults"][0]["fault"] == "webhook_forge"
    assert rec["event"]["type"] == "payment_intent.succeeded" and rec["event"]["object_id"] == pi_id


def wait_received(upstream, n: int, timeout: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(upstream.received) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(upstream.received) >= n, [r["body"][:80] for r in upstream.received]
    return list(upstream.received)


def test_clearing_the_rules_delivers_what_they_still_hold_at_once(proxy, control, upstream):
    """Delayed, held and scheduled deliveries of the old rules go out when the rules change, never minutes
    later into the next scenario's merchant; the proxy says when nothing is in flight any more."""
    from paychaos.proxies.testing import clear_rules
    set_rules(control, [{"fault": "webhook_delay", "params": {"delay_ms": 60_000}, "match": {"event.type": "a.*"}},
                        {"fault": "webhook_duplicate", "params": {"copies": 1, "spacing_ms": 60_000},
                         "match": {"event.type": "b.*"}}], scenario="wh-held")
    import threading
    held = threading.Thread(target=deliver, args=(proxy, "evt_held", "a.held"))
    held.start()
    assert deliver(proxy, "evt_dup", type_="b.dup").status_code == 200
    assert delivered_ids(upstream, 1, timeout=5.0) == ["evt_dup"]          # the copy waits its 60 s ...

    def in_flight() -> int:
        return requests.get(control + "/health", headers=control_headers(control), timeout=5).json()["in_flight"]
    deadline = time.monotonic() + 5                                        # ... and evt_held its 60 s
    while in_flight() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_flight() >= 2
    clear_rules(control)
    assert sorted(delivered_ids(upstream, 3, timeout=5.0)) == ["evt_dup", "evt_dup", "evt_held"]  # ... not any more
    held.join(timeout=5)
    deadline = time.monotonic() + 5
    while in_flight() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_flight() == 0
