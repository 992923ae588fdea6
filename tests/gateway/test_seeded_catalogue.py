"""A catalogue (`paychaos gateway --catalogue FILE`, a target's `catalogue:`): the Prices a shop's
configuration names exist from the gateway's start and after every reset, as the stripe SDK sees them."""

from __future__ import annotations

import subprocess
import sys

import pytest
import stripe

from paychaos.common.catalogue import parse_catalogue
from paychaos.common.errors import InputError
from paychaos.gateway.testing import get_ledger, reset, running_gateway

CATALOGUE = """\
prices:
  - id: price_lamp
    unit_amount: 4200
    currency: usd
    product: {id: prod_lamp, name: Desk lamp}
    lookup_key: lamp
  - id: price_lamp_eur
    unit_amount: 3900
    currency: eur
    product: {id: prod_lamp, name: Desk lamp}
  - id: price_tea
    unit_amount: 1500
    currency: jpy
    product: Green tea
"""


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalogue") / "catalogue.yaml"
    path.write_text(CATALOGUE)
    with running_gateway(catalogue=str(path)) as gw:
        yield gw


def sdk(gw) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_catalogue", base_addresses={"api": gw.url}, max_network_retries=0)


def test_the_sdk_finds_the_seeded_prices_and_products(gateway):
    client = sdk(gateway)
    price = client.v1.prices.retrieve("price_lamp")
    assert (price.unit_amount, price.currency, price.product, price.lookup_key) == (4200, "usd", "prod_lamp", "lamp")
    assert client.v1.products.retrieve("prod_lamp").name == "Desk lamp"
    assert client.v1.prices.retrieve("price_tea").product == "prod_tea"     # a name only: prod_ + the price's name
    listed = {p.id for p in client.v1.prices.list(params={"product": "prod_lamp"}).data}
    assert listed == {"price_lamp", "price_lamp_eur"}


def test_a_checkout_session_sells_a_seeded_price_and_it_survives_a_reset(gateway):
    client = sdk(gateway)
    session = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://127.0.0.1:9/ok", "line_items": [{"price": "price_lamp", "quantity": 2}]})
    assert session.amount_total == 8400 and session.currency == "usd"
    reset(gateway.url)
    assert client.v1.prices.retrieve("price_lamp").unit_amount == 4200
    again = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://127.0.0.1:9/ok", "line_items": [{"price": "price_tea", "quantity": 1}]})
    assert again.amount_total == 1500 and again.currency == "jpy"


def test_seeding_is_not_the_merchants_traffic(gateway):
    reset(gateway.url)
    ledger = get_ledger(gateway.url)
    assert ledger["requests"]["api"] == 0 and ledger["webhooks"]["pending"] == 0 and ledger["webhooks"]["delivered"] == 0
    assert sdk(gateway).v1.events.list().data == []    # no product.created / price.created of its own


@pytest.mark.parametrize("text,field,valid", [
    ("prices: [{id: lamp, unit_amount: 1, currency: usd, product: X}]", "prices[0].id", "price_"),
    ("prices: [{id: price_a, unit_amount: -1, currency: usd, product: X}]", "prices[0].unit_amount", "smallest unit"),
    ("prices: [{id: price_a, unit_amount: 1, currency: USD, product: X}]", "prices[0].currency", "lower case"),
    ("prices: [{id: price_a, unit_amount: 1, currency: usd}]", "prices[0].product", "T-shirt"),
    ("prices: [{id: price_a, unit_amount: 1, currency: usd, product: X, colour: red}]", "prices[0].colour", "lookup_key"),
    ("prices: [{id: price_a, unit_amount: 1, currency: usd, product: X}, {id: price_a, unit_amount: 2, "
     "currency: usd, product: X}]", "prices[1].id", "once"),
    ("products: []", None, "prices:"),
])
def test_a_bad_catalogue_names_the_field_and_the_valid_forms(text, field, valid):
    import yaml

    with pytest.raises(InputError) as err:
        parse_catalogue(yaml.safe_load(text), file="cat.yaml")
    assert err.value.file == "cat.yaml" and err.value.field == field and valid in err.value.valid


def test_the_gateway_refuses_a_bad_catalogue_with_exit_2(tmp_path):
    bad = tmp_path / "catalogue.yaml"
    bad.write_text("prices: [{id: price_a, unit_amount: 1, currency: usd, product: {id: lamp, name: L}}]\n")
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "gateway", "--catalogue", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"{bad}: prices[0].product.id: 'lamp' is not a Product id" in out.stderr
