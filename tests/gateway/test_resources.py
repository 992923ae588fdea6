"""Refunds, customers, PaymentMethods attach/detach, charges listing, through the real SDK."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import get_ledger


def paid(client, amount=1000, **extra):
    return client.v1.payment_intents.create(params={"amount": amount, "currency": "usd",
                                                    "payment_method": "pm_card_visa", "confirm": True, **extra})


def test_partial_then_full_refund_then_over_refund(client, gateway):
    pi = paid(client, metadata={"order_id": "r1"})
    first = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 300})
    assert first.status == "succeeded" and first.charge == pi.latest_charge
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 800})
    assert err.value.code == "amount_too_large" and err.value.param == "amount"
    rest = client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert rest.amount == 700
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.refunded and charge.amount_refunded == 1000
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.refunds.create(params={"payment_intent": pi.id})
    assert err.value.code == "charge_already_refunded"
    money = get_ledger(gateway.url)["money"]
    assert money["by_metadata"]["order_id"]["r1"] == {"captured": 1000, "refunded": 1000, "net": 0, "charges": 1}
    listed = client.v1.refunds.list(params={"payment_intent": pi.id})
    assert [r.id for r in listed.data] == [rest.id, first.id]


def test_refund_of_unpaid_or_uncaptured_intent_is_refused(client):
    open_pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.refunds.create(params={"payment_intent": open_pi.id})
    assert err.value.code == "charge_not_refundable"
    held = paid(client, capture_method="manual")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": held.id})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.refunds.create(params={})
    assert err.value.param == "payment_intent"


def test_customers_crud(client):
    cus = client.v1.customers.create(params={"name": "王小明", "email": "xm@example.com", "metadata": {"k": "v"}})
    assert client.v1.customers.retrieve(cus.id).name == "王小明"
    cus = client.v1.customers.update(cus.id, params={"phone": "+8610000000", "metadata": {"k": ""}})
    assert cus.phone == "+8610000000" and cus.metadata.to_dict() == {}
    assert [c.id for c in client.v1.customers.list(params={"email": "xm@example.com"}).data] == [cus.id]
    assert client.v1.customers.delete(cus.id).deleted
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.update(cus.id, params={"name": "x"})


def test_payment_method_attach_detach_and_list(client):
    cus = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": cus.id})
    assert pm.customer == cus.id and pm.id.startswith("pm_") and pm.card.brand == "mastercard"
    listed = client.v1.payment_methods.list(params={"customer": cus.id, "type": "card"})
    assert [p.id for p in listed.data] == [pm.id]
    pi = paid(client, customer=cus.id, payment_method=pm.id)
    assert pi.status == "succeeded" and pi.customer == cus.id
    assert [p.id for p in client.v1.payment_intents.list(params={"customer": cus.id}).data] == [pi.id]
    assert client.v1.payment_methods.detach(pm.id).customer is None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_methods.detach(pm.id)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_methods.attach(pm.id, params={"customer": "cus_missing"})
    assert err.value.code == "resource_missing"


def test_charges_list_by_intent_keeps_every_attempt(client):
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "confirm": True,
                                                 "payment_method": "pm_card_chargeDeclined"})
    pi = client.v1.payment_intents.confirm(err.value.error.payment_intent.id,
                                           params={"payment_method": "pm_card_visa"})
    attempts = client.v1.charges.list(params={"payment_intent": pi.id}).data
    assert [c.status for c in attempts] == ["succeeded", "failed"]


def test_legacy_charges_api_with_tokens(client, gateway):
    charge = client.v1.charges.create(params={"amount": 2100, "currency": "usd", "source": "tok_visa",
                                              "metadata": {"order_id": "legacy-1"}})
    assert charge.paid and charge.captured and charge.payment_intent is None
    with pytest.raises(stripe.CardError) as err:
        client.v1.charges.create(params={"amount": 2100, "currency": "usd", "source": "tok_chargeDeclinedLostCard"})
    assert err.value.error.decline_code == "lost_card" and err.value.error.charge
    held = client.v1.charges.create(params={"amount": 900, "currency": "usd", "source": "tok_mastercard",
                                            "capture": False})
    assert not held.captured
    assert client.v1.charges.capture(held.id, params={"amount": 500}).amount_captured == 500
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": 100})
    assert refund.payment_intent is None
    money = get_ledger(gateway.url)["money"]
    assert money["currency_totals"]["usd"] == {"captured": 2600, "refunded": 100, "net": 2500}
    assert money["by_metadata"]["order_id"]["legacy-1"]["net"] == 2000
