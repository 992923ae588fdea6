"""Tokens from the browser (publishable key) used once as a Charge source, and the extra test cards."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import get_ledger
from tests.gateway.browser import PK, request


def _token(gateway, number="4242424242424242", **extra) -> dict:
    answer = request(f"{gateway.url}/v1/tokens", "POST", {
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123",
        "key": PK, "payment_user_agent": "stripe.js/abc; stripe-js-v3/abc", **extra})
    assert answer.status == 200, answer.text
    return answer.json()


def test_browser_token_charged_by_the_server(client, gateway):
    tok = _token(gateway, **{"card[name]": "Ann Lee"})
    assert tok["id"].startswith("tok_") and tok["type"] == "card" and tok["used"] is False
    assert tok["card"]["last4"] == "4242" and tok["card"]["brand"] == "Visa"
    assert "number" not in tok["card"]
    charge = client.v1.charges.create(params={"amount": 1999, "currency": "usd", "source": tok["id"],
                                              "metadata": {"order_id": "tok_order"}})
    assert charge.paid and charge.captured
    assert get_ledger(gateway.url)["money"]["by_metadata"]["order_id"]["tok_order"]["captured"] == 1999
    assert client.v1.tokens.retrieve(tok["id"]).used is True


def test_token_is_single_use(client, gateway):
    tok = _token(gateway)
    client.v1.charges.create(params={"amount": 500, "currency": "usd", "source": tok["id"]})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.charges.create(params={"amount": 500, "currency": "usd", "source": tok["id"]})
    assert err.value.code == "token_already_used"
    assert get_ledger(gateway.url)["money"]["currency_totals"]["usd"]["captured"] == 500


def test_declining_card_token_declines_at_charge(client, gateway):
    tok = _token(gateway, "4000000000009995")
    with pytest.raises(stripe.CardError) as err:
        client.v1.charges.create(params={"amount": 700, "currency": "usd", "source": tok["id"]})
    assert err.value.code == "card_declined" and err.value.error.decline_code == "insufficient_funds"


def test_bad_card_number_is_refused_at_tokenization(gateway):
    answer = request(f"{gateway.url}/v1/tokens", "POST", {
        "card[number]": "4242424242424241", "card[exp_month]": "12", "card[exp_year]": "2034", "key": PK})
    assert answer.status == 402 and answer.json()["error"]["code"] == "incorrect_number"
    assert "4242424242424241" not in answer.text


def test_token_as_payment_method_card_token(client, gateway):
    tok = _token(gateway)
    pi = client.v1.payment_intents.create(params={
        "amount": 1200, "currency": "usd", "confirm": True,
        "payment_method_data": {"type": "card", "card": {"token": tok["id"]}}})
    assert pi.status == "succeeded"


def test_server_sdk_creates_tokens_too(client):
    tok = client.v1.tokens.create(params={"card": {"number": "5555555555554444", "exp_month": "1",
                                                   "exp_year": "2035", "cvc": "321"}})
    assert tok.card.brand == "Mastercard" and tok.card.last4 == "4444"


@pytest.mark.parametrize("name", ["pm_card_threeDSecure2Required", "pm_card_authenticationRequiredSetupForOffSession"])
def test_more_3ds_test_cards(client, name):
    pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "payment_method": name,
                                                  "confirm": True})
    assert pi.status == "requires_action"


def test_charge_customer_fail_declines_a_direct_payment(client):
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "confirm": True,
                                                 "payment_method": "pm_card_chargeCustomerFail"})
    assert err.value.code == "card_declined"
