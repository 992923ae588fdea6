"""The resilient merchant against real gateways, a real proxy and the real stripe SDK."""

from __future__ import annotations

import time

import pytest
import requests

from paychaos.gateway.testing import get_ledger
from paychaos.merchants.lexicon import OTHER_METHODS
from tests.merchants.conftest import (
    checkout,
    event,
    exchanges_for,
    money_for,
    new_order_id,
    order_state,
    signed,
    start_merchant,
    wait_for,
)


def test_paid_checkout_charges_once_and_fulfils_once(resilient, primary_gateway, journal_path):
    oid = new_order_id()
    answer, _ = checkout(resilient.url, oid)
    assert answer["status"] == "paid" and "payment received" in answer["message"]
    assert money_for(primary_gateway.url, oid)["captured"] == 1234
    [call] = exchanges_for(journal_path, oid)
    assert call["idempotency_key"] and call["request"]["metadata"]["order_id"] == oid
    # The gateway's payment_intent.succeeded webhook arrives too: still one fulfilment.
    wait_for(lambda: get_ledger(primary_gateway.url)["webhooks"]["delivered"])
    time.sleep(0.3)
    state = order_state(resilient.url, oid)
    assert state["status"] == "paid" and state["fulfilled"] == 1


@pytest.mark.parametrize("token, english, chinese", [
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient funds", "余额不足"),
    ("pm_card_chargeDeclinedRestrictedCard", "restricted or frozen", "受限"),
    ("pm_card_chargeDeclinedExpiredCard", "card has expired", "卡已过期"),
    ("pm_card_chargeDeclinedIncorrectCvc", "security code", "安全码"),
    ("pm_card_visa_chargeDeclinedLostCard", "declined", "被拒绝"),
    ("pm_card_radarBlock", "declined", "被拒绝"),
])
def test_each_decline_gets_its_own_message_in_english_and_chinese(resilient, journal_path, token, english, chinese):
    for locale, phrase in (("en_US", english), ("zh_CN", chinese)):
        oid = new_order_id()
        answer, _ = checkout(resilient.url, oid, token=token, locale=locale)
        assert answer["status"] == "failed"
        assert phrase in answer["message"], answer["message"]
        assert set(OTHER_METHODS) <= set(answer["alternatives"])
        lowered = answer["message"].lower()
        assert not any(word in lowered for word in ("lost", "stolen", "fraud", "card_error", "{", "decline_code"))
        # A hard decline is never retried: exactly one payment call reached the gateway.
        assert len(exchanges_for(journal_path, oid)) == 1
        # Submitting the same declined details again does not call the gateway again.
        again, _ = checkout(resilient.url, oid, token=token, locale=locale)
        assert again["status"] == "failed" and len(exchanges_for(journal_path, oid)) == 1


@pytest.mark.parametrize("card, english, chinese", [
    ({"number": "4242424242424241", "exp_month": 12, "exp_year": 2031, "cvc": "123"}, "check the card number", "请检查卡号"),
    ({"number": "4242424242424242", "exp_month": 1, "exp_year": 2020, "cvc": "123"}, "card has expired", "卡已过期"),
    ({"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "1"}, "security code", "安全码"),
])
def test_raw_card_mistakes_are_caught_before_the_gateway(resilient, journal_path, card, english, chinese):
    for locale, phrase in (("en_US", english), ("zh_CN", chinese)):
        oid = new_order_id()
        answer, _ = checkout(resilient.url, oid, token=None, card=card, locale=locale)
        assert answer["status"] == "failed" and phrase in answer["message"]
        assert "4242424242424241" not in str(answer)
        assert exchanges_for(journal_path, oid, "/v1/", at_least=0) == []


def test_raw_card_becomes_a_payment_method(resilient, primary_gateway):
    oid = new_order_id()
    card = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    answer, _ = checkout(resilient.url, oid, token=None, card=card)
    assert answer["status"] == "paid"
    assert money_for(primary_gateway.url, oid)["captured"] == 1234


def test_cancel_after_pay_refunds(resilient, primary_gateway):
    oid = new_order_id()
    assert checkout(resilient.url, oid)[0]["status"] == "paid"
    cancel = requests.post(f"{resilient.url}/orders/{oid}/cancel", timeout=15).json()
    assert cancel["status"] == "refunded" and "refunded" in cancel["message"]
    money = money_for(primary_gateway.url, oid)
    assert money["captured"] == 1234 and money["refunded"] == 1234 and money["net"] == 0
    assert order_state(resilient.url, oid)["status"] == "refunded"


def test_webhooks_need_a_valid_signature_and_count_once(resilient):
    oid = new_order_id()
    assert checkout(resilient.url, oid)[0]["status"] == "paid"
    pi = order_state(resilient.url, oid)["payment_intent"]
    payload = event("payment_intent.succeeded", {"id": pi, "object": "payment_intent", "status": "succeeded",
                                                 "metadata": {"order_id": oid}})
    hook = resilient.url + "/webhooks/stripe"
    body, header = signed(payload, secret="whsec_wrong")
    assert requests.post(hook, data=body, headers={"Stripe-Signature": header}, timeout=5).status_code == 400
    assert requests.post(hook, data=body, timeout=5).status_code == 400
    body, header = signed(payload, at=int(time.time()) - 3600)   # replayed old delivery
    assert requests.post(hook, data=body, headers={"Stripe-Signature": header}, timeout=5).status_code == 400
    body, header = signed(payload)
    for _ in range(3):   # duplicates
        resp = requests.post(hook, data=body, headers={"Stripe-Signature": header}, timeout=5)
        assert resp.status_code == 200
    assert resp.json().get("duplicate") is True
    assert order_state(resilient.url, oid)["fulfilled"] == 1


def test_forged_success_for_a_declined_order_is_refused_in_every_mode(resilient):
    """What webhook_forge sends: a payment_intent.succeeded under a new event id, signed with a wrong
    secret, unsigned, or a changed payload under the genuine delivery's signature. All get 400."""
    oid = new_order_id()
    assert checkout(resilient.url, oid, token="pm_card_visa_chargeDeclinedInsufficientFunds")[0]["status"] == "failed"
    pi = {"id": "pi_forged", "object": "payment_intent", "metadata": {"order_id": oid}}
    genuine_body, genuine_sig = signed(event("payment_intent.payment_failed", pi | {"status": "requires_payment_method"}))
    hook = resilient.url + "/webhooks/stripe"
    assert requests.post(hook, data=genuine_body, headers={"Stripe-Signature": genuine_sig}, timeout=5).status_code == 200
    claim = event("payment_intent.succeeded", pi | {"status": "succeeded"})
    bad_body, bad_sig = signed(claim, secret="whsec_forged")
    tampered = genuine_body.replace(b"payment_intent.payment_failed", b"payment_intent.succeeded")
    for body, headers in [(bad_body, {"Stripe-Signature": bad_sig}), (signed(claim)[0], {}),
                          (tampered, {"Stripe-Signature": genuine_sig})]:
        assert requests.post(hook, data=body, headers=headers, timeout=5).status_code == 400
    state = order_state(resilient.url, oid)
    assert state["status"] == "failed" and state["fulfilled"] == 0


def test_stray_success_event_does_not_flip_a_failed_order(resilient):
    oid = new_order_id()
    answer, _ = checkout(resilient.url, oid, token="pm_card_visa_chargeDeclined")
    assert answer["status"] == "failed"
    body, header = signed(event("payment_intent.succeeded", {"id": "pi_stray", "object": "payment_intent",
                                                             "metadata": {"order_id": oid}}))
    resp = requests.post(resilient.url + "/webhooks/stripe", data=body, headers={"Stripe-Signature": header}, timeout=5)
    assert resp.status_code == 200
    # The customer was told "failed": a charge showing up later is refunded, never fulfilled.
    state = order_state(resilient.url, oid)
    assert state["status"] == "failed" and state["fulfilled"] == 0


def test_unknown_outcome_answers_pending_then_converges_to_paid(proxy, primary_gateway, journal_path, faults):
    # A merchant no webhook reaches: only its own reconciliation can learn what happened.
    with start_merchant("resilient", "--gateway-url", proxy.info["listeners"]["primary"]) as m:
        faults([
            {"fault": "response_lost", "match": {"upstream": "primary", "method": "POST", "path": "/v1/payment_intents"}},
            {"fault": "http_error", "params": {"status": 503},
             "match": {"upstream": "primary", "method": "GET", "path": "/v1/payment_intents/search*"}},
        ])
        oid = new_order_id()
        answer, elapsed = checkout(m.url, oid, locale="zh_CN")
        assert answer["status"] == "pending" and "正在确认" in answer["message"], answer
        assert elapsed < 8.5
        assert order_state(m.url, oid)["status"] == "pending"
        faults([])   # the gateway answers again
        state = wait_for(lambda: (s := order_state(m.url, oid))["status"] == "paid" and s, timeout=15)
        assert state and state["fulfilled"] == 1
    money = money_for(primary_gateway.url, oid)
    assert money["charges"] == 1 and money["captured"] == 1234
    assert len({c["idempotency_key"] for c in exchanges_for(journal_path, oid)}) == 1


def test_lost_answer_is_retried_with_the_same_key_and_charged_once(resilient, primary_gateway, journal_path, faults):
    faults([{"fault": "response_lost", "match": {"upstream": "primary", "method": "POST",
                                                  "path": "/v1/payment_intents"}, "times": 2}])
    oid = new_order_id()
    answer, elapsed = checkout(resilient.url, oid)
    assert answer["status"] == "paid", answer
    calls = exchanges_for(journal_path, oid)
    assert len(calls) == 3
    assert len({c["idempotency_key"] for c in calls}) == 1 and calls[0]["idempotency_key"]
    money = money_for(primary_gateway.url, oid)
    assert money["captured"] == 1234 and money["charges"] == 1
    gaps = [b["t_start"] - a["t_end"] for a, b in zip(calls, calls[1:], strict=False)]
    assert all(g >= 0.09 for g in gaps), gaps   # backoff, not a hammer
    assert elapsed < 8.5


def test_rate_limit_honours_retry_after(resilient, journal_path, faults):
    faults([{"fault": "rate_limit", "params": {"retry_after_s": 1}, "times": 1,
             "match": {"upstream": "primary", "method": "POST", "path": "/v1/payment_intents"}}])
    oid = new_order_id()
    answer, _ = checkout(resilient.url, oid)
    assert answer["status"] == "paid"
    first, second = exchanges_for(journal_path, oid)
    assert first["status"] == 429 and second["t_start"] - first["t_end"] >= 0.95


def test_outage_on_primary_fails_over_to_backup(resilient, primary_gateway, backup_gateway, journal_path, faults):
    faults([{"fault": "http_error", "params": {"status": 503},
             "match": {"upstream": "primary", "method": "POST", "path": "/v1/payment_intents*"}}])
    oid = new_order_id()
    answer, elapsed = checkout(resilient.url, oid, locale="zh_CN")
    assert answer["status"] == "paid" and "支付成功" in answer["message"]
    assert money_for(primary_gateway.url, oid)["captured"] == 0
    assert money_for(backup_gateway.url, oid)["captured"] == 1234
    calls = exchanges_for(journal_path, oid)
    assert [c["upstream"] for c in calls].count("primary") <= 3
    assert elapsed < 8.5


def test_dead_primary_fails_over_and_no_backup_means_a_clear_prompt(backup_gateway):
    import socket

    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with start_merchant("resilient", "--gateway-url", dead, "--backup-gateway-url", backup_gateway.url) as m:
        oid = new_order_id()
        answer, _ = checkout(m.url, oid)
        assert answer["status"] == "paid"
        assert money_for(backup_gateway.url, oid)["captured"] == 1234
    with start_merchant("resilient", "--gateway-url", dead) as m:
        answer, elapsed = checkout(m.url, new_order_id(), locale="zh_CN")
        assert answer["status"] == "failed" and "暂时不可用" in answer["message"]
        assert set(OTHER_METHODS) <= set(answer["alternatives"]) and elapsed < 8.5
        assert "Connection" not in answer["message"] and "127.0.0.1" not in answer["message"]


def test_double_submit_charges_once(resilient, primary_gateway):
    from concurrent.futures import ThreadPoolExecutor

    oid = new_order_id()
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: checkout(resilient.url, oid)[0], range(2)))
    assert {a["status"] for a in answers} == {"paid"}
    assert money_for(primary_gateway.url, oid)["charges"] == 1
