"""PaymentIntents through the real stripe SDK: create/confirm/capture/cancel/retrieve/list/search."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import get_ledger


def create(client, **params):
    return client.v1.payment_intents.create(params={"amount": 1299, "currency": "usd", **params})


def test_create_and_confirm_in_one_call_moves_money(client, gateway):
    pi = create(client, payment_method="pm_card_visa", confirm=True, metadata={"order_id": "ord_1"})
    assert pi.status == "succeeded"
    assert pi.amount_received == 1299
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.paid and charge.captured and charge.amount_captured == 1299
    assert charge.payment_method_details.card.last4 == "4242"
    ledger = get_ledger(gateway.url)
    assert ledger["money"]["currency_totals"]["usd"] == {"captured": 1299, "refunded": 0, "net": 1299}
    assert ledger["money"]["by_metadata"]["order_id"]["ord_1"]["charges"] == 1
    assert [p["id"] for p in ledger["payment_intents"]] == [pi.id]
    assert ledger["requests"]["by_endpoint"]["POST /v1/payment_intents"] == 1


def test_create_without_confirm_then_confirm(client):
    pi = create(client)
    assert pi.status == "requires_payment_method"
    assert pi.client_secret.startswith(pi.id + "_secret_")
    pi = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_mastercard"})
    assert pi.status == "succeeded"
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_confirming_twice_is_an_unexpected_state_error(client):
    pi = create(client, payment_method="pm_card_visa", confirm=True)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.confirm(pi.id)
    assert err.value.code == "payment_intent_unexpected_state"


def test_manual_capture_partial(client, gateway):
    pi = create(client, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    assert (pi.status, pi.amount_capturable, pi.amount_received) == ("requires_capture", 1299, 0)
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}
    pi = client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 1000})
    assert (pi.status, pi.amount_received, pi.amount_capturable) == ("succeeded", 1000, 0)
    assert get_ledger(gateway.url)["money"]["by_intent"][pi.id]["captured"] == 1000
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.capture(pi.id)
    assert err.value.code == "payment_intent_unexpected_state"


def test_capture_more_than_authorized_is_refused(client):
    pi = create(client, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 5000})
    assert err.value.param == "amount_to_capture"


def test_cancel_authorized_payment_releases_it(client, gateway):
    pi = create(client, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    pi = client.v1.payment_intents.cancel(pi.id, params={"cancellation_reason": "requested_by_customer"})
    assert pi.status == "canceled" and pi.cancellation_reason == "requested_by_customer"
    assert get_ledger(gateway.url)["money"]["by_intent"][pi.id]["captured"] == 0
    done = create(client, payment_method="pm_card_visa", confirm=True)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.cancel(done.id)
    assert err.value.code == "payment_intent_unexpected_state"


def test_retrieve_unknown_is_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.retrieve("pi_nope")
    assert err.value.http_status == 404 and err.value.code == "resource_missing"


def test_list_is_newest_first_and_paginates(client):
    ids = [create(client).id for _ in range(5)]
    first = client.v1.payment_intents.list(params={"limit": 2})
    assert [p.id for p in first.data] == ids[::-1][:2] and first.has_more
    rest = client.v1.payment_intents.list(params={"limit": 10, "starting_after": first.data[-1].id})
    assert [p.id for p in rest.data] == ids[::-1][2:] and not rest.has_more
    before = client.v1.payment_intents.list(params={"limit": 2, "ending_before": ids[1]})
    assert [p.id for p in before.data] == [ids[3], ids[2]]


def test_search_by_order_metadata(client):
    create(client, metadata={"order_id": "A"})
    target = create(client, metadata={"order_id": "B"}, payment_method="pm_card_visa", confirm=True)
    found = client.v1.payment_intents.search(params={"query": "metadata['order_id']:'B'"})
    assert [p.id for p in found.data] == [target.id]
    both = client.v1.payment_intents.search(params={"query": "metadata['order_id']:'B' AND status:'succeeded'"})
    assert [p.id for p in both.data] == [target.id]
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.search(params={"query": "order_id = B"})
    assert err.value.param == "query"


def test_update_metadata_reindexes_search(client):
    pi = create(client, metadata={"order_id": "old"})
    client.v1.payment_intents.update(pi.id, params={"metadata": {"order_id": "new"}})
    assert client.v1.payment_intents.search(params={"query": "metadata['order_id']:'old'"}).data == []
    assert client.v1.payment_intents.search(params={"query": "metadata['order_id']:'new'"}).data[0].id == pi.id


def test_global_style_sdk_works_too(gateway, monkeypatch):
    monkeypatch.setattr(stripe, "api_base", gateway.url)
    monkeypatch.setattr(stripe, "api_key", "sk_test_global")
    pi = stripe.PaymentIntent.create(amount=500, currency="EUR", payment_method="pm_card_amex", confirm=True)
    assert pi.status == "succeeded" and pi.currency == "eur"
    assert stripe.PaymentIntent.retrieve(pi.id).latest_charge == pi.latest_charge


def test_ledger_shape_matches_the_contract(client, gateway):
    pi = create(client, payment_method="pm_card_visa", confirm=True, metadata={"order_id": "o", "cart": "c"})
    client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 299})
    ledger = get_ledger(gateway.url)
    assert set(ledger) == {"payment_intents", "charges", "refunds", "customers", "money", "idempotency", "requests",
                           "webhooks", "checkout_sessions"}
    assert set(ledger["payment_intents"][0]) == {
        "id", "amount", "currency", "status", "capture_method", "payment_method", "metadata", "amount_received",
        "amount_capturable", "latest_charge", "customer", "receipt_email", "created"}
    assert set(ledger["charges"][0]) == {
        "id", "payment_intent", "amount", "amount_captured", "amount_refunded", "captured", "refunded", "paid",
        "status", "metadata", "customer", "receipt_email", "created"}
    assert ledger["requests"]["api"] >= 2    # the create and the refund, not /_sim
    assert set(ledger["refunds"][0]) == {"id", "charge", "payment_intent", "amount", "status", "created"}
    assert ledger["money"]["by_metadata"]["cart"]["c"] == {"captured": 1299, "refunded": 299, "net": 1000,
                                                           "charges": 1}
    assert set(ledger["webhooks"]) >= {"delivered", "failed_attempts", "pending"}


def test_expand_latest_charge_and_payment_method(client):
    pi = create(client, payment_method="pm_card_visa", confirm=True,
                expand=["latest_charge", "latest_charge.payment_method"])
    assert pi.latest_charge.object == "charge" and pi.latest_charge.payment_method.card.last4 == "4242"
    listed = client.v1.payment_intents.list(params={"expand": ["data.latest_charge"]})
    assert listed.data[0].latest_charge.amount_captured == 1299
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.payment_intents.retrieve(pi.id, params={"expand": ["nothing_here"]})
    assert err.value.param == "expand"
