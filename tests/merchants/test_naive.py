"""The naive merchant: a plain checkout works, and each built-in defect is visible from outside."""

from __future__ import annotations

import json

import requests

from tests.merchants.conftest import (
    checkout,
    event,
    exchanges_for,
    money_for,
    new_order_id,
    order_state,
)


def test_plain_checkout_works(naive, primary_gateway, journal_path):
    oid = new_order_id("naive")
    answer, _ = checkout(naive.url, oid, locale="zh_CN")
    assert answer["status"] == "paid" and "支付成功" in answer["message"]
    assert money_for(primary_gateway.url, oid)["captured"] == 1234
    [call] = exchanges_for(journal_path, oid)
    assert call["idempotency_key"] is None          # defect 2: no idempotency key
    assert call["request"]["metadata"]["order_id"] == oid


def test_hard_decline_is_retried_and_the_raw_error_leaks(naive, journal_path):
    oid = new_order_id("naive")
    answer, _ = checkout(naive.url, oid, token="pm_card_visa_chargeDeclinedLostCard", locale="zh_CN")
    assert answer["status"] == "failed" and answer["alternatives"] == []     # defect 7
    assert "lost_card" in answer["message"] and '"type":' in answer["message"]  # defect 5: raw JSON, reason leaked
    assert len(exchanges_for(journal_path, oid)) == 3                        # defect 3: hard decline retried


def test_lost_answer_becomes_a_double_charge(naive, primary_gateway, journal_path, faults):
    faults([{"fault": "response_lost", "times": 1,
             "match": {"upstream": "primary", "method": "POST", "path": "/v1/payment_intents"}}])
    oid = new_order_id("naive")
    answer, _ = checkout(naive.url, oid)
    assert answer["status"] == "paid"
    money = money_for(primary_gateway.url, oid)
    assert money["charges"] == 2 and money["captured"] == 2 * 1234           # defect 2
    assert [c["idempotency_key"] for c in exchanges_for(journal_path, oid)] == [None, None]


def test_lost_answers_are_reported_as_failed_though_charged(naive, primary_gateway, faults):
    faults([{"fault": "response_lost",
             "match": {"upstream": "primary", "method": "POST", "path": "/v1/payment_intents"}}])
    oid = new_order_id("naive")
    answer, _ = checkout(naive.url, oid)
    assert answer["status"] == "failed"                                      # defect 6
    assert "Error" in answer["message"] or "Connection" in answer["message"]  # exception text shown
    assert money_for(primary_gateway.url, oid)["charges"] == 3               # and charged three times


def test_outage_gets_immediate_retries_and_no_fallback(naive, backup_gateway, journal_path, faults):
    faults([{"fault": "http_error", "params": {"status": 503, "retry_after_s": 5},
             "match": {"upstream": "primary", "method": "POST", "path": "/v1/payment_intents"}}])
    oid = new_order_id("naive")
    answer, elapsed = checkout(naive.url, oid)
    assert answer["status"] == "failed" and answer["alternatives"] == []
    calls = exchanges_for(journal_path, oid)
    assert len(calls) == 3 and calls[-1]["t_start"] - calls[0]["t_end"] < 1.0  # defect 4: Retry-After ignored
    assert money_for(backup_gateway.url, oid)["captured"] == 0                  # defect 7: backup never used


def test_cancel_does_not_refund(naive, primary_gateway):
    oid = new_order_id("naive")
    assert checkout(naive.url, oid)[0]["status"] == "paid"
    assert requests.post(f"{naive.url}/orders/{oid}/cancel", timeout=10).json()["status"] == "canceled"
    assert money_for(primary_gateway.url, oid)["refunded"] == 0                 # defect 9


def test_unsigned_duplicate_webhooks_fulfil_again_and_last_event_wins(naive):
    oid = new_order_id("naive")
    assert checkout(naive.url, oid)[0]["status"] == "paid"
    pi = order_state(naive.url, oid)["payment_intent"]
    succeeded = json.dumps(event("payment_intent.succeeded", {"id": pi, "metadata": {"order_id": oid}}, "evt_dup"))
    for _ in range(2):   # no Stripe-Signature at all, the same event id twice
        assert requests.post(naive.url + "/webhooks/stripe", data=succeeded, timeout=5).status_code == 200
    assert order_state(naive.url, oid)["fulfilled"] == 3                        # defects 10, 11
    failed = json.dumps(event("payment_intent.payment_failed", {"id": pi, "metadata": {"order_id": oid}}))
    requests.post(naive.url + "/webhooks/stripe", data=failed, timeout=5)
    assert order_state(naive.url, oid)["status"] == "failed"                    # a paid order flipped
