"""Products and Prices as a shop's catalogue code uses them; balance, customers.search."""

from __future__ import annotations

import pytest
import stripe


def test_product_and_price_create_retrieve_list(client):
    product = client.v1.products.create(params={"name": "Pasha photo", "metadata": {"sku": "p1"}})
    assert product.id.startswith("prod_") and product.active
    price = client.v1.prices.create(params={"product": product.id, "unit_amount": 1500, "currency": "USD"})
    assert price.unit_amount == 1500 and price.currency == "usd" and price.type == "one_time"
    assert client.v1.prices.retrieve(price.id).product == product.id
    assert client.v1.products.retrieve(product.id).metadata["sku"] == "p1"
    assert [p.id for p in client.v1.prices.list(params={"product": product.id}).data] == [price.id]
    assert product.id in [p.id for p in client.v1.products.list().data]
    expanded = client.v1.prices.retrieve(price.id, params={"expand": ["product"]})
    assert expanded.product.name == "Pasha photo"


def test_price_with_product_data_and_recurring(client):
    price = client.v1.prices.create(params={"unit_amount": 900, "currency": "eur",
                                            "product_data": {"name": "Monthly"},
                                            "recurring": {"interval": "month"}})
    assert price.type == "recurring" and price.recurring.interval == "month"
    assert client.v1.products.retrieve(price.product).name == "Monthly"


def test_price_needs_a_known_product_and_an_amount(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={"product": "prod_nope", "unit_amount": 100, "currency": "usd"})
    assert err.value.code == "resource_missing"
    product = client.v1.products.create(params={"name": "x"})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={"product": product.id, "currency": "usd"})
    assert err.value.param == "unit_amount"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.prices.retrieve("price_nope")


def test_balance_follows_captured_and_refunded_money(client):
    assert client.v1.balance.retrieve().available[0].amount == 0
    pi = client.v1.payment_intents.create(params={"amount": 5000, "currency": "usd", "confirm": True,
                                                  "payment_method": "pm_card_visa"})
    client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1200})
    balance = client.v1.balance.retrieve()
    assert balance.object == "balance"
    assert [(b.currency, b.amount) for b in balance.available] == [("usd", 3800)]


def test_customers_search(client):
    client.v1.customers.create(params={"email": "a@example.com", "name": "Ann Lee", "metadata": {"tier": "gold"}})
    client.v1.customers.create(params={"email": "b@example.com", "name": "Bo Chen"})
    found = client.v1.customers.search(params={"query": "email:'a@example.com'"})
    assert [c.email for c in found.data] == ["a@example.com"]
    assert [c.name for c in client.v1.customers.search(params={"query": "name~'chen'"}).data] == ["Bo Chen"]
    both = client.v1.customers.search(params={"query": "metadata['tier']:'gold' AND name:'Ann Lee'"})
    assert len(both.data) == 1
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.customers.search(params={"query": "created>5"})
    assert err.value.param == "query"


def test_product_with_own_id_cannot_be_made_twice(client):
    client.v1.products.create(params={"name": "Pen", "id": "prod_pen"})
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.products.create(params={"name": "Pen", "id": "prod_pen"})
    assert err.value.code == "resource_already_exists"


def test_customer_payment_methods_filter_by_type(client):
    cus = client.v1.customers.create(params={"payment_method": "pm_card_visa"})
    listed = client.v1.customers.payment_methods.list(cus.id, params={"type": "card"})
    assert len(listed.data) == 1 and listed.data[0].card.last4 == "4242"
    assert client.v1.customers.payment_methods.list(cus.id, params={"type": "alipay"}).data == []
    attached = [e for e in client.v1.events.list(params={"limit": 100}).data if e.type == "payment_method.attached"]
    assert attached[0].data.object.customer == cus.id
