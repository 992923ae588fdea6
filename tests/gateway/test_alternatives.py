"""Alipay, WeChat Pay and bank transfer: next_action, then the customer's part through /_sim."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import complete_payment, fail_payment, get_ledger, sim_headers


def start(client, kind, types=None, **extra):
    return client.v1.payment_intents.create(params={
        "amount": 8800, "currency": "cny", "payment_method_types": types or [kind], "confirm": True,
        "payment_method_data": {"type": kind}, **extra})


def test_alipay_redirect_then_complete(client, gateway):
    pi = start(client, "alipay", return_url="http://127.0.0.1:9/back")
    assert pi.status == "requires_action" and pi.next_action.type == "alipay_handle_redirect"
    assert pi.next_action.alipay_handle_redirect.return_url == "http://127.0.0.1:9/back"
    assert pi.next_action.alipay_handle_redirect.url.startswith(gateway.url)
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}
    done = complete_payment(gateway.url, pi.id)
    assert done["status"] == "succeeded" and done["amount_received"] == 8800
    charge = client.v1.charges.retrieve(done["latest_charge"])
    assert charge.payment_method_details.type == "alipay"
    assert get_ledger(gateway.url)["money"]["currency_totals"]["cny"]["captured"] == 8800


def test_alipay_without_return_url_is_400(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        start(client, "alipay")
    assert err.value.param == "return_url"


def test_wechat_pay_qr_code_then_abandoned(client, gateway):
    pi = start(client, "wechat_pay", ["wechat_pay", "card"], payment_method_options={"wechat_pay": {"client": "web"}})
    qr = pi.next_action.wechat_pay_display_qr_code
    assert pi.next_action.type == "wechat_pay_display_qr_code" and qr.data.startswith("weixin://")
    assert qr.image_url_png
    failed = fail_payment(gateway.url, pi.id)
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_payment_attempt_failed"
    again = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert again.status == "succeeded"  # the fallback to a card on the same intent


def test_bank_transfer_instructions(client, gateway):
    customer = client.v1.customers.create(params={"email": "wang@example.com"})
    pi = client.v1.payment_intents.create(params={
        "amount": 12000, "currency": "usd", "customer": customer.id, "payment_method_types": ["customer_balance"],
        "payment_method_data": {"type": "customer_balance"}, "confirm": True,
        "payment_method_options": {"customer_balance": {"funding_type": "bank_transfer",
                                                        "bank_transfer": {"type": "us_bank_transfer"}}}})
    instructions = pi.next_action.display_bank_transfer_instructions
    assert pi.next_action.type == "display_bank_transfer_instructions"
    assert instructions.amount_remaining == 12000 and instructions.reference
    assert instructions.financial_addresses[0].aba.routing_number
    assert complete_payment(gateway.url, pi.id)["status"] == "succeeded"


def test_bank_transfer_needs_a_customer(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        start(client, "customer_balance")
    assert err.value.param == "customer"


def test_method_not_allowed_by_explicit_types(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.create(params={
            "amount": 100, "currency": "usd", "payment_method_types": ["card"], "confirm": True,
            "payment_method_data": {"type": "alipay"}, "return_url": "http://127.0.0.1/x"})
    assert err.value.code == "payment_intent_incompatible_payment_method"


def test_sim_complete_refuses_an_intent_not_waiting(client, gateway):
    import httpx

    pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    sim = sim_headers(gateway.url)
    answer = httpx.post(f"{gateway.url}/_sim/payment_intents/{pi.id}/complete", json={}, headers=sim)
    assert answer.status_code == 400 and "requires_action" in answer.json()["error"]["message"]
    assert httpx.post(f"{gateway.url}/_sim/payment_intents/pi_missing/fail", json={}, headers=sim).status_code == 404
