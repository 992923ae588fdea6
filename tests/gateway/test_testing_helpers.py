"""paychaos.gateway.testing's browser helpers, as other areas' tests use them."""

from __future__ import annotations

from paychaos.gateway.testing import answer_3ds, get_ledger, pay_hosted_checkout
from tests.gateway.browser import request


def test_pay_hosted_checkout_and_answer_3ds(client, gateway):
    cs = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://127.0.0.1:9/ok", "payment_intent_data": {"metadata": {"order_id": "h1"}},
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 700, "product_data": {"name": "Tea"}}}]})
    status, location = pay_hosted_checkout(cs.url, "4000002500003155")
    assert status == 303 and "/_3ds/" in location
    status, back = answer_3ds(location)
    assert status == 303 and request(back).location == "http://127.0.0.1:9/ok"
    assert get_ledger(gateway.url)["money"]["by_metadata"]["order_id"]["h1"]["captured"] == 700


def test_declined_on_the_hosted_page(client):
    cs = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://127.0.0.1:9/ok",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 700, "product_data": {"name": "Tea"}}}]})
    assert pay_hosted_checkout(cs.url, "4000000000009995") == (402, None)
    assert answer_3ds(cs.url.replace("/pay/", "/_3ds/"))[0] == 404


def test_challenge_page_may_be_framed_but_the_payment_page_may_not(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "confirm": True,
                                                  "payment_method": "pm_card_authenticationRequired"})
    assert "x-frame-options" not in request(pi.next_action.use_stripe_sdk.stripe_js).headers
    cs = client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://127.0.0.1:9/ok",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 700, "product_data": {"name": "Tea"}}}]})
    assert request(cs.url).headers["x-frame-options"] == "DENY"
