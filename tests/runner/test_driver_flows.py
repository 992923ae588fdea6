"""The pieces of the browser flows that need no services: what stripe.js's confirm carries, and where
the hosted page's URL is read from (the flows end to end: tests/shops/test_cedar.py, test_birch.py)."""

from __future__ import annotations

from dataclasses import replace

from paychaos.driver.client_secret import confirm_fields, secret_in
from paychaos.driver.core import Driver
from paychaos.driver.customers import Payment
from paychaos.driver.redirect import page_url
from paychaos.target import Answer, Call, Outcome, Target

SECRET = "pi_123_secret_abc"


def driver(flow: str, **outcome) -> Driver:
    target = Target(name="t", base_url="http://127.0.0.1:5000", checkout=Call("POST", "/checkout"),
                    outcome=Outcome(status="$.status", **outcome), flow=flow)
    return Driver(target, target.base_url, {"gateway_url": "http://127.0.0.1:6000"})


def test_a_token_is_confirmed_as_payment_method_and_a_raw_card_as_payment_method_data():
    token = Payment("pm_card_visa", "4242424242424242", 12, 2030, "123", "paid")
    fields = confirm_fields(token, "pk_test_x", SECRET, "http://127.0.0.1:5000/_paychaos/return")
    assert fields["payment_method"] == "pm_card_visa" and fields["key"] == "pk_test_x"
    assert fields["client_secret"] == SECRET and "payment_method_data[type]" not in fields
    raw = confirm_fields(replace(token, token=None), "pk_test_x", SECRET, "r")
    assert "payment_method" not in raw and raw["payment_method_data[type]"] == "card"
    assert raw["payment_method_data[card][number]"] == "4242424242424242"
    assert raw["payment_method_data[card][exp_month]"] == "12"


def test_the_client_secret_is_looked_for_where_the_target_says_or_in_the_usual_places():
    assert secret_in(driver("client_secret"), Answer(200, {}, {"client_secret": SECRET})) == SECRET
    assert secret_in(driver("client_secret"), Answer(200, {}, {"clientSecret": SECRET})) == SECRET
    assert secret_in(driver("client_secret", client_secret="$.pi.cs"), Answer(200, {}, {"pi": {"cs": SECRET}})) == SECRET
    assert secret_in(driver("client_secret"), Answer(200, {}, {"clientSecret": "not-a-secret"})) is None


def test_the_hosted_page_url_comes_from_the_location_a_json_url_or_the_targets_path():
    plain = driver("redirect")
    assert page_url(plain, Answer(303, {"Location": "http://127.0.0.1:7000/pay/cs_1"}, None)) == \
        "http://127.0.0.1:7000/pay/cs_1"
    assert page_url(plain, Answer(200, {}, {"url": "http://127.0.0.1:7000/pay/cs_2"})) == "http://127.0.0.1:7000/pay/cs_2"
    assert page_url(plain, Answer(200, {}, {"status": "failed"})) is None
    named = driver("redirect", redirect_url="$.checkout.href")
    assert page_url(named, Answer(200, {}, {"checkout": {"href": "/go"}})) == "http://127.0.0.1:5000/go"
