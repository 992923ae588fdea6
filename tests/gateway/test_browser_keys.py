"""Publishable keys where Stripe allows them: stripe.js confirms and retrieves with `key=pk_test_...` in the
form body (no Authorization header) and the intent's client_secret; a pk key may do nothing else."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import get_ledger
from tests.gateway.browser import PK, request, stripe_js_card_data, stripe_js_confirm


def _intent(client, **extra):
    return client.v1.payment_intents.create(params={"amount": 2500, "currency": "usd",
                                                    "metadata": {"order_id": "ord_js"}, **extra})


def test_every_intent_has_a_client_secret(client):
    pi = _intent(client)
    assert pi.client_secret.startswith(pi.id + "_secret_")


def test_stripe_js_confirm_with_key_in_body_moves_money(client, gateway):
    pi = _intent(client)
    answer = stripe_js_confirm(gateway.url, pi.id, pi.client_secret, return_url="http://127.0.0.1:9/done")
    assert answer.status == 200, answer.text
    assert answer.json()["status"] == "succeeded"
    # the server sees the same thing through the SDK, and the money is in the ledger
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    assert get_ledger(gateway.url)["money"]["by_metadata"]["order_id"]["ord_js"]["captured"] == 2500


def test_stripe_js_card_element_fields_are_accepted(client, gateway):
    pi = _intent(client)
    answer = stripe_js_card_data(gateway.url, pi.id, pi.client_secret, "4242424242424242", "http://127.0.0.1:9/r")
    assert answer.status == 200, answer.text
    assert answer.json()["status"] == "succeeded"
    assert "4242424242424242" not in answer.text


def test_browser_retrieve_with_client_secret_and_key_in_query(client, gateway):
    pi = _intent(client)
    answer = request(f"{gateway.url}/v1/payment_intents/{pi.id}?client_secret={pi.client_secret}&key={PK}")
    assert answer.status == 200 and answer.json()["id"] == pi.id


def test_wrong_client_secret_is_refused_and_nothing_moves(client, gateway):
    pi = _intent(client)
    other = _intent(client)
    answer = stripe_js_confirm(gateway.url, pi.id, other.client_secret)
    assert answer.status == 400
    assert answer.json()["error"]["param"] == "client_secret"
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}
    got = request(f"{gateway.url}/v1/payment_intents/{pi.id}?client_secret={other.client_secret}&key={PK}")
    assert got.status == 400


def test_publishable_key_without_client_secret_is_refused(client, gateway):
    pi = _intent(client)
    answer = request(f"{gateway.url}/v1/payment_intents/{pi.id}/confirm", "POST",
                     {"key": PK, "payment_method": "pm_card_visa"})
    assert answer.status == 400 and answer.json()["error"]["param"] == "client_secret"


def test_publishable_key_on_server_calls_is_refused(gateway):
    browser = stripe.StripeClient(PK, base_addresses={"api": gateway.url}, max_network_retries=0)
    with pytest.raises(stripe.PermissionError, match="publishable API key"):
        browser.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    with pytest.raises(stripe.PermissionError):
        browser.v1.customers.list()
    answer = request(f"{gateway.url}/v1/refunds", "POST", {"key": PK, "payment_intent": "pi_x"})
    assert answer.status == 403


def test_live_publishable_key_is_refused(client, gateway):
    pi = _intent(client)
    answer = stripe_js_confirm(gateway.url, pi.id, pi.client_secret, key="pk_live_abc")
    assert answer.status == 401 and "live" in answer.json()["error"]["message"]


def test_no_key_at_all_is_401(client, gateway):
    pi = _intent(client)
    answer = request(f"{gateway.url}/v1/payment_intents/{pi.id}/confirm", "POST",
                     {"client_secret": pi.client_secret, "payment_method": "pm_card_visa"})
    assert answer.status == 401


def test_secret_key_confirm_still_works_with_a_client_secret(client):
    pi = _intent(client)
    done = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa",
                                                            "client_secret": pi.client_secret})
    assert done.status == "succeeded"


def test_stripe_js_creates_the_payment_method_then_confirms(client, gateway):
    """stripe.createPaymentMethod from a card Element, then confirmCardPayment with its id."""
    made = request(f"{gateway.url}/v1/payment_methods", "POST", {
        "type": "card", "card[number]": "4000000000009995", "card[exp_month]": "04", "card[exp_year]": "34",
        "card[cvc]": "123", "billing_details[name]": "Ann Lee", "key": PK, "guid": "NA", "muid": "NA", "sid": "NA",
        "payment_user_agent": "stripe.js/abc; stripe-js-v3/abc; card-element", "time_on_page": "9000",
        "referrer": "http://127.0.0.1/checkout"})
    assert made.status == 200, made.text
    pm = made.json()
    assert pm["card"]["last4"] == "9995" and pm["billing_details"]["name"] == "Ann Lee"
    pi = _intent(client)
    declined = stripe_js_confirm(gateway.url, pi.id, pi.client_secret, pm["id"])
    assert declined.status == 402
    error = declined.json()["error"]
    assert error["decline_code"] == "insufficient_funds" and error["payment_intent"]["status"] == "requires_payment_method"
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}


def test_manual_confirmation_intent_cannot_be_confirmed_by_the_browser(client, gateway):
    pi = _intent(client, confirmation_method="manual")
    answer = stripe_js_confirm(gateway.url, pi.id, pi.client_secret)
    assert answer.status == 400 and "manual" in answer.json()["error"]["message"]
    assert client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"}).status == "succeeded"
