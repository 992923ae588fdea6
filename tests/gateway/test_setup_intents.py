"""SetupIntents and off-session reuse of a saved card, with Stripe's test cards for saved cards."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import get_ledger
from tests.gateway.browser import PK, pass_3ds, request

RETURN = "http://127.0.0.1:9/saved"


def _types(client):
    return [e.type for e in reversed(client.v1.events.list(params={"limit": 100}).data)]


def _save(client, customer, card, **extra):
    return client.v1.setup_intents.create(params={"customer": customer, "payment_method": card, "confirm": True,
                                                  "usage": "off_session", **extra})


def _charge_off_session(client, customer, pm, amount=3000):
    return client.v1.payment_intents.create(params={
        "amount": amount, "currency": "usd", "customer": customer, "payment_method": pm,
        "off_session": True, "confirm": True, "metadata": {"order_id": f"renew_{amount}"}})


def test_setup_then_off_session_payment(client, gateway):
    cus = client.v1.customers.create(params={"email": "sam@example.com"})
    si = _save(client, cus.id, "pm_card_visa")
    assert si.status == "succeeded" and si.client_secret.startswith(si.id + "_secret_")
    assert si.usage == "off_session"
    pm = client.v1.payment_methods.retrieve(si.payment_method)
    assert pm.customer == cus.id
    assert [p.id for p in client.v1.customers.payment_methods.list(cus.id).data] == [pm.id]
    types = _types(client)
    assert "setup_intent.created" in types and "setup_intent.succeeded" in types
    assert "payment_method.attached" in types
    pi = _charge_off_session(client, cus.id, pm.id)
    assert pi.status == "succeeded"
    assert get_ledger(gateway.url)["money"]["by_metadata"]["order_id"]["renew_3000"]["captured"] == 3000


def test_create_confirm_retrieve_list_cancel(client):
    cus = client.v1.customers.create(params={"email": "kim@example.com"})
    si = client.v1.setup_intents.create(params={"customer": cus.id, "metadata": {"plan": "pro"}})
    assert si.status == "requires_payment_method"
    assert client.v1.setup_intents.retrieve(si.id).metadata["plan"] == "pro"
    listed = client.v1.setup_intents.list(params={"customer": cus.id})
    assert [s.id for s in listed.data] == [si.id]
    confirmed = client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_mastercard"})
    assert confirmed.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.setup_intents.cancel(si.id)  # succeeded: cannot be canceled
    other = client.v1.setup_intents.create(params={"customer": cus.id})
    assert client.v1.setup_intents.cancel(other.id).status == "canceled"
    assert "setup_intent.canceled" in _types(client)


def test_browser_confirms_a_setup_intent_with_its_client_secret(client, gateway):
    si = client.v1.setup_intents.create(params={"customer": client.v1.customers.create().id})
    url = f"{gateway.url}/v1/setup_intents/{si.id}/confirm"
    wrong = request(url, "POST", {"key": PK, "client_secret": si.client_secret + "x",
                                  "payment_method": "pm_card_visa"})
    assert wrong.status == 400 and wrong.json()["error"]["param"] == "client_secret"
    answer = request(url, "POST", {"key": PK, "client_secret": si.client_secret, "payment_method": "pm_card_visa",
                                   "expected_payment_method_type": "card", "use_stripe_sdk": "true"})
    assert answer.status == 200 and answer.json()["status"] == "succeeded"
    got = request(f"{gateway.url}/v1/setup_intents/{si.id}?client_secret={si.client_secret}&key={PK}")
    assert got.json()["status"] == "succeeded"


def test_set_up_card_needs_no_authentication_off_session(client):
    """4000002500003155: authentication on setup; after that, off-session payments go through."""
    cus = client.v1.customers.create()
    si = _save(client, cus.id, "pm_card_authenticationRequiredSetupForOffSession", return_url=RETURN)
    assert si.status == "requires_action" and si.next_action.type == "redirect_to_url"
    answer = pass_3ds(si.next_action.redirect_to_url.url)
    assert answer.status == 303 and f"setup_intent={si.id}" in answer.location
    si = client.v1.setup_intents.retrieve(si.id)
    assert si.status == "succeeded"
    assert _charge_off_session(client, cus.id, si.payment_method).status == "succeeded"


def test_card_not_set_up_is_declined_off_session(client):
    cus = client.v1.customers.create()
    pm = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4000002500003155", "exp_month": "12", "exp_year": "2034", "cvc": "123"}})
    client.v1.payment_methods.attach(pm.id, params={"customer": cus.id})
    with pytest.raises(stripe.CardError) as err:
        _charge_off_session(client, cus.id, pm.id)
    assert err.value.code == "authentication_required"
    assert err.value.error.payment_intent.status == "requires_payment_method"


def test_always_authenticate_card_is_declined_off_session_even_when_set_up(client):
    cus = client.v1.customers.create()
    si = _save(client, cus.id, "pm_card_authenticationRequired", return_url=RETURN)
    pass_3ds(si.next_action.redirect_to_url.url)
    pm = client.v1.setup_intents.retrieve(si.id).payment_method
    with pytest.raises(stripe.CardError) as err:
        _charge_off_session(client, cus.id, pm)
    assert err.value.code == "authentication_required"


def test_failed_setup_authentication(client, gateway):
    cus = client.v1.customers.create()
    si = _save(client, cus.id, "pm_card_authenticationRequiredOnSetup", return_url=RETURN)
    answer = pass_3ds(si.next_action.redirect_to_url.url, "fail")
    assert "redirect_status=failed" in answer.location
    si = client.v1.setup_intents.retrieve(si.id)
    assert si.status == "requires_payment_method"
    assert si.last_setup_error.code == "setup_intent_authentication_failure"
    assert "setup_intent.setup_failed" in _types(client)
    assert client.v1.customers.payment_methods.list(cus.id).data == []


def test_charge_customer_fail_attaches_then_declines(client, gateway):
    cus = client.v1.customers.create()
    si = _save(client, cus.id, "pm_card_chargeCustomerFail")
    assert si.status == "succeeded"
    assert client.v1.payment_methods.retrieve(si.payment_method).customer == cus.id
    with pytest.raises(stripe.CardError) as err:
        _charge_off_session(client, cus.id, si.payment_method)
    assert err.value.code == "card_declined"
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}


def test_declined_card_cannot_be_set_up(client):
    cus = client.v1.customers.create()
    with pytest.raises(stripe.CardError) as err:
        _save(client, cus.id, "pm_card_visa_chargeDeclined")
    assert err.value.code == "card_declined"
    si = err.value.error.setup_intent
    assert si.status == "requires_payment_method" and si.last_setup_error.code == "card_declined"


def test_attach_sends_payment_method_attached(client):
    cus = client.v1.customers.create()
    pm = client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}})
    client.v1.payment_methods.attach(pm.id, params={"customer": cus.id})
    attached = [e for e in client.v1.events.list(params={"limit": 100}).data if e.type == "payment_method.attached"]
    assert attached and attached[0].data.object.customer == cus.id


def test_setup_future_usage_saves_the_card_for_off_session(client):
    """The charging-a-saved-card flow: pay on-session (with 3DS) saving the card, then charge it off-session."""
    cus = client.v1.customers.create()
    pi = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "customer": cus.id, "setup_future_usage": "off_session",
        "payment_method": "pm_card_authenticationRequiredSetupForOffSession", "confirm": True, "return_url": RETURN})
    assert pi.status == "requires_action"
    pass_3ds(pi.next_action.redirect_to_url.url)
    pm = client.v1.payment_intents.retrieve(pi.id).payment_method
    assert client.v1.payment_methods.retrieve(pm).customer == cus.id
    assert "payment_method.attached" in _types(client)
    assert _charge_off_session(client, cus.id, pm, 1100).status == "succeeded"


def test_on_session_setup_does_not_exempt_off_session_payments(client):
    cus = client.v1.customers.create()
    si = _save(client, cus.id, "pm_card_authenticationRequiredOnSetup", usage="on_session", return_url=RETURN)
    pass_3ds(si.next_action.redirect_to_url.url)
    pm = client.v1.setup_intents.retrieve(si.id).payment_method
    with pytest.raises(stripe.CardError) as err:
        _charge_off_session(client, cus.id, pm)
    assert err.value.code == "authentication_required"
