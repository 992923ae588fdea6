"""paychaos's stripe.js stand-in in real Chromium, against the real gateway: the calls a shop's page
makes answer in Stripe's shapes, 3-D Secure shows a challenge a customer can pass or fail, and the
card fields are plain inputs with stable attributes."""

from __future__ import annotations

import json
import time

import pytest
import requests

from paychaos.gateway.testing import running_gateway

PK = "pk_test_page"


@pytest.fixture(scope="module")
def gateway():
    with running_gateway() as gw:
        yield gw


def _intent(gw, amount=1500) -> dict:
    resp = requests.post(gw.url + "/v1/payment_intents", auth=("sk_test_page", ""),
                         data={"amount": amount, "currency": "usd", "payment_method_types[]": "card"}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _open(tab, page_server, gateway, element="card", client_secret=None):
    options = json.dumps({"clientSecret": client_secret} if client_secret else {})
    page_server.pages["/pay"] = (
        f"<!doctype html><html><head><script src='{gateway.url}/v3'></script></head><body>"
        f"<form id=f><div id=el></div></form><script>window.stripe = Stripe('{PK}');"
        f"window.els = stripe.elements({options}); window.el = els.create('{element}'); el.mount('#el');"
        f"window.changes = []; el.on('change', e => changes.push(e));</script></body></html>")
    assert tab.navigate(page_server.url + "/pay") is None


def _type(tab, number, expiry="12 / 34", cvc="123", postal="10001"):
    for field, value in (("number", number), ("expiry", expiry), ("cvc", cvc), ("postal", postal)):
        tab.evaluate(f"(() => {{ const e = document.querySelector('[data-paychaos-field={field}]'); if (!e) return;"
                     f" e.value = {json.dumps(value)}; e.dispatchEvent(new Event('input', {{bubbles: true}})); }})()")


def _run(tab, script: str):
    return tab.evaluate(f"(async () => {{ {script} }})()", await_promise=True, timeout_s=30)


def test_the_gateway_serves_the_stand_in_at_the_paths_pages_load_it_from(gateway):
    for path in ("/v3", "/v3/", "/basil", "/clover/stripe.js"):
        resp = requests.get(gateway.url + path, timeout=10)
        assert resp.status_code == 200 and "javascript" in resp.headers["Content-Type"]
        assert "window.Stripe = Stripe" in resp.text
    assert requests.get(gateway.url + "/v4", timeout=10).status_code == 404


def test_card_fields_are_plain_inputs_with_stable_attributes_and_report_changes(tab, page_server, gateway):
    _open(tab, page_server, gateway, "card")
    fields = tab.evaluate("[...document.querySelectorAll('[data-paychaos-field]')].map(e => e.dataset.paychaosField)")
    assert fields == ["number", "expiry", "cvc", "postal"]
    _type(tab, "4242424242424242")
    last = tab.evaluate("changes[changes.length - 1]")
    assert last["complete"] is True and last["brand"] == "visa" and last["elementType"] == "card"


def test_a_good_card_is_paid_and_the_answer_is_a_payment_intent(tab, page_server, gateway):
    pi = _intent(gateway)
    _open(tab, page_server, gateway, "card")
    _type(tab, "4242424242424242")
    answer = _run(tab, f"return await stripe.confirmCardPayment({json.dumps(pi['client_secret'])}, "
                       "{payment_method: {card: el, billing_details: {name: 'Ada'}}});")
    assert answer["paymentIntent"]["status"] == "succeeded" and answer["paymentIntent"]["id"] == pi["id"]
    assert "error" not in answer


def test_a_decline_comes_back_in_stripes_error_shape(tab, page_server, gateway):
    pi = _intent(gateway)
    _open(tab, page_server, gateway, "payment", pi["client_secret"])
    _type(tab, "4000000000009995")
    answer = _run(tab, "return await stripe.confirmPayment({elements: els, redirect: 'if_required'});")
    error = answer["error"]
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", "insufficient_funds")
    assert "insufficient funds" in error["message"]
    assert "paymentIntent" not in answer


def test_a_payment_element_without_a_client_secret_or_mode_is_an_integration_error(tab, page_server, gateway):
    # as Stripe's stripe.js: a page whose server handed it no client secret stops at create('payment')
    page_server.pages["/pay"] = (
        f"<!doctype html><html><head><script src='{gateway.url}/v3'></script></head><body><div id=el></div>"
        f"<script>const els = Stripe('{PK}').elements({{clientSecret: undefined}});"
        "try { els.create('payment'); window.thrown = 'none'; } catch (e) { window.thrown = e.name; }"
        "window.deferred = Stripe('" + PK + "').elements({mode: 'payment', amount: 1500, currency: 'usd'})"
        ".create('payment') ? 'created' : 'none';</script></body></html>")
    assert tab.navigate(page_server.url + "/pay") is None
    assert tab.evaluate("window.thrown") == "IntegrationError"
    assert tab.evaluate("window.deferred") == "created"


def test_an_incomplete_card_is_a_validation_error_and_nothing_is_sent(tab, page_server, gateway):
    pi = _intent(gateway)
    _open(tab, page_server, gateway, "card")
    _type(tab, "4242424242424242", cvc="")
    answer = _run(tab, f"return await stripe.confirmCardPayment({json.dumps(pi['client_secret'])}, "
                       "{payment_method: {card: el}});")
    assert answer["error"] == {"type": "validation_error", "code": "incomplete_cvc",
                               "message": "Your card's security code is incomplete."}
    assert tab.evaluate("window.__paychaos.calls") == 0


@pytest.mark.parametrize("choice,status", [("pass", "succeeded"), ("fail", "requires_payment_method")])
def test_3d_secure_shows_a_challenge_the_customer_passes_or_fails(tab, page_server, gateway, choice, status):
    pi = _intent(gateway)
    _open(tab, page_server, gateway, "card")
    _type(tab, "4000002760003184")
    tab.evaluate(f"window.answer = null; stripe.confirmCardPayment({json.dumps(pi['client_secret'])}, "
                 "{payment_method: {card: el}}).then(a => { window.answer = a; });")
    deadline = time.monotonic() + 30
    while not tab.evaluate("!!document.querySelector('[data-paychaos-3ds]')") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tab.evaluate("document.querySelector('[data-paychaos-3ds-dialog]').innerText").startswith("3D Secure")
    tab.evaluate(f"document.querySelector('[data-paychaos-3ds={choice}]').click()")
    while tab.evaluate("window.answer") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    answer = tab.evaluate("window.answer")
    if choice == "pass":
        assert answer["paymentIntent"]["status"] == status
    else:
        assert answer["error"]["code"] == "payment_intent_authentication_failure"
        assert answer["error"]["payment_intent"]["status"] == status


def test_payment_methods_tokens_and_retrieve_use_the_publishable_key(tab, page_server, gateway):
    pi = _intent(gateway)
    _open(tab, page_server, gateway, "card")
    _type(tab, "4242424242424242")
    pm = _run(tab, "return await stripe.createPaymentMethod({type: 'card', card: el});")
    assert pm["paymentMethod"]["id"].startswith("pm_") and pm["paymentMethod"]["card"]["last4"] == "4242"
    token = _run(tab, "return await stripe.createToken(el);")
    assert token["token"]["id"].startswith("tok_")
    got = _run(tab, f"return await stripe.retrievePaymentIntent({json.dumps(pi['client_secret'])});")
    assert got["paymentIntent"]["id"] == pi["id"] and got["paymentIntent"]["status"] == "requires_payment_method"


def test_an_unknown_intent_is_the_gateways_own_error_in_stripes_shape(tab, page_server, gateway):
    _open(tab, page_server, gateway, "card")
    answer = _run(tab, "return await stripe.retrievePaymentIntent('pi_nothere_secret_x');")
    assert answer["error"]["type"] == "invalid_request_error" and answer["error"]["code"] == "resource_missing"


def test_an_answer_that_is_not_json_is_an_api_error_and_a_dead_address_a_connection_error(tab, page_server):
    """Loaded from another origin, the stand-in calls that origin: here a plain page server (HTML 404s)."""
    from paychaos.gateway.stripe_js import source
    page_server.pages["/v3"] = source().decode()
    page_server.pages["/pay"] = (f"<!doctype html><script src='{page_server.url}/v3'></script>"
                                 f"<script>window.stripe = Stripe('{PK}');</script>")
    assert tab.navigate(page_server.url + "/pay") is None
    answer = _run(tab, "return await stripe.retrievePaymentIntent('pi_abc_secret_x');")
    assert answer["error"]["type"] == "api_error"
    assert answer["error"]["message"].startswith("Invalid JSON received from the Stripe API (HTTP 404)")
    page_server.shutdown()
    page_server.server_close()
    answer = _run(tab, "return await stripe.retrievePaymentIntent('pi_abc_secret_x');")
    assert answer["error"]["type"] == "api_connection_error"
