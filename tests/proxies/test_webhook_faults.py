"""Webhook-leg faults (the `webhooks` upstream, gateway -> merchant) through a real proxy: what the
merchant received, what the gateway was told, and what the journal recorded."""

from __future__ import annotations

import json
import time

import requests

from proxies.testing import set_rules
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
