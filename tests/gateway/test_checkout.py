"""Checkout Sessions: the server creates one, the customer pays on the gateway-hosted page, the webhook
says so; expiry, cancel, setup mode, 3-D Secure and async methods (Alipay) through Checkout."""

from __future__ import annotations

import httpx
import pytest
import stripe

from paychaos.gateway.testing import complete_payment, fail_payment, get_ledger, set_webhook
from tests.gateway.browser import pass_3ds, pay_checkout, request
from tests.gateway.test_webhooks import SECRET, Receiver

SHOP = "http://127.0.0.1:9"


def _session(client, **extra):
    params = {
        "mode": "payment", "success_url": SHOP + "/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": SHOP + "/cart", "client_reference_id": "ord_77", "customer_email": "ann@example.com",
        "metadata": {"cart": "c1"}, "payment_intent_data": {"metadata": {"order_id": "ord_77"}},
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 1500,
                                       "product_data": {"name": "Pasha photo"}}, "quantity": 2}],
        **extra}
    return client.v1.checkout.sessions.create(params=params)


def _events(client, type_):
    return [e.data.object for e in client.v1.events.list(params={"limit": 100}).data if e.type == type_]


def test_pay_on_the_hosted_page(client, gateway):
    cs = _session(client)
    assert cs.status == "open" and cs.payment_status == "unpaid" and cs.amount_total == 3000
    assert cs.url == f"{gateway.url}/pay/{cs.id}" and cs.payment_intent is None
    page = request(cs.url)
    assert "Pasha photo" in page.text and "30.00 USD" in page.text
    answer = pay_checkout(cs.url)
    assert answer.status == 303 and answer.location == f"{SHOP}/success?session_id={cs.id}"
    done = client.v1.checkout.sessions.retrieve(cs.id)
    assert done.status == "complete" and done.payment_status == "paid"
    assert done.customer_details.email == "ann@example.com"
    pi = client.v1.payment_intents.retrieve(done.payment_intent)
    assert pi.status == "succeeded" and pi.metadata["order_id"] == "ord_77" and pi.amount_received == 3000
    completed = _events(client, "checkout.session.completed")
    assert [(c.id, c.payment_status, c.client_reference_id) for c in completed] == [(cs.id, "paid", "ord_77")]
    ledger = get_ledger(gateway.url)
    assert ledger["money"]["by_metadata"]["order_id"]["ord_77"]["captured"] == 3000
    row = ledger["checkout_sessions"][0]
    assert row["id"] == cs.id and row["status"] == "complete" and row["payment_status"] == "paid"
    assert row["payment_intent"] == pi.id and row["client_reference_id"] == "ord_77"
    assert row["metadata"] == {"cart": "c1"} and row["amount_total"] == 3000
    assert ledger["requests"]["hosted"] == 3  # two GETs and the POST of /pay, none in requests.api
    assert ledger["requests"]["api"] == 4  # the create, two retrieves, the events list
    assert request(cs.url).status == 200  # revisiting says it is paid; no second payment
    assert get_ledger(gateway.url)["money"]["currency_totals"]["usd"]["captured"] == 3000


def test_price_line_items_and_list_line_items(client):
    product = client.v1.products.create(params={"name": "Mug"})
    price = client.v1.prices.create(params={"product": product.id, "unit_amount": 800, "currency": "eur"})
    cs = _session(client, line_items=[{"price": price.id, "quantity": 3}])
    assert cs.amount_total == 2400 and cs.currency == "eur"
    items = client.v1.checkout.sessions.line_items.list(cs.id)
    assert [(i.description, i.quantity, i.amount_total, i.price.id) for i in items.data] == [("Mug", 3, 2400, price.id)]
    expanded = client.v1.checkout.sessions.retrieve(cs.id, params={"expand": ["line_items"]})
    assert expanded.line_items.data[0].price.unit_amount == 800


def test_declined_card_shows_the_page_again_then_another_card_pays(client, gateway):
    cs = _session(client)
    declined = pay_checkout(cs.url, "4000000000000002")
    assert declined.status == 402 and "declined" in declined.text and "4000000000000002" not in declined.text
    assert client.v1.checkout.sessions.retrieve(cs.id).status == "open"
    assert _events(client, "checkout.session.completed") == []
    assert pay_checkout(cs.url).status == 303
    done = client.v1.checkout.sessions.retrieve(cs.id)
    assert done.payment_status == "paid"
    charges = client.v1.charges.list(params={"payment_intent": done.payment_intent}).data
    assert sorted(c.status for c in charges) == ["failed", "succeeded"]


def test_3ds_card_on_the_hosted_page(client):
    cs = _session(client)
    answer = pay_checkout(cs.url, "4000002760003184")
    assert answer.status == 303 and "/_3ds/pi_" in answer.location
    back = pass_3ds(answer.location)
    assert back.status == 303 and back.location.startswith(cs.url + "/return")
    final = request(back.location)
    assert final.status == 303 and final.location == f"{SHOP}/success?session_id={cs.id}"
    assert client.v1.checkout.sessions.retrieve(cs.id).payment_status == "paid"


def test_failed_3ds_on_the_hosted_page_stays_open(client):
    cs = _session(client)
    challenge = pay_checkout(cs.url, "4000002760003184").location
    back = request(pass_3ds(challenge, "fail").location)
    assert back.status == 402 and "Authentication failed" in back.text
    assert client.v1.checkout.sessions.retrieve(cs.id).status == "open"


def test_cancel_goes_back_to_cancel_url(client):
    cs = _session(client)
    answer = request(cs.url, "POST", {"action": "cancel"})
    assert answer.status == 303 and answer.location == SHOP + "/cart"
    assert client.v1.checkout.sessions.retrieve(cs.id).status == "open"


def test_expire(client, gateway):
    cs = _session(client)
    expired = client.v1.checkout.sessions.expire(cs.id)
    assert expired.status == "expired" and expired.url is None
    assert [c.id for c in _events(client, "checkout.session.expired")] == [cs.id]
    assert request(f"{gateway.url}/pay/{cs.id}").status == 410
    assert request(f"{gateway.url}/pay/{cs.id}", "POST", {"number": "4242424242424242"}).status == 410
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(cs.id)
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}


def test_alipay_through_checkout_settles_late(client, gateway):
    cs = _session(client, payment_method_types=["card", "alipay"])
    answer = pay_checkout(cs.url, method="alipay")
    assert answer.status == 303 and answer.location.startswith(SHOP + "/success")
    done = client.v1.checkout.sessions.retrieve(cs.id)
    assert done.status == "complete" and done.payment_status == "unpaid"
    assert [c.payment_status for c in _events(client, "checkout.session.completed")] == ["unpaid"]
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}
    complete_payment(gateway.url, done.payment_intent)
    assert client.v1.checkout.sessions.retrieve(cs.id).payment_status == "paid"
    assert [c.id for c in _events(client, "checkout.session.async_payment_succeeded")] == [cs.id]
    assert get_ledger(gateway.url)["money"]["currency_totals"]["usd"]["captured"] == 3000


def test_alipay_through_checkout_fails(client, gateway):
    cs = _session(client, payment_method_types=["alipay"])
    pay_checkout(cs.url, method="alipay")
    fail_payment(gateway.url, client.v1.checkout.sessions.retrieve(cs.id).payment_intent)
    assert [c.id for c in _events(client, "checkout.session.async_payment_failed")] == [cs.id]
    assert client.v1.checkout.sessions.retrieve(cs.id).payment_status == "unpaid"


def test_setup_mode_saves_the_card(client):
    cus = client.v1.customers.create(params={"email": "s@example.com"})
    cs = client.v1.checkout.sessions.create(params={
        "mode": "setup", "customer": cus.id, "currency": "usd", "success_url": SHOP + "/saved",
        "setup_intent_data": {"metadata": {"plan": "monthly"}}})
    assert pay_checkout(cs.url).location == SHOP + "/saved"
    done = client.v1.checkout.sessions.retrieve(cs.id)
    assert done.status == "complete" and done.payment_status == "no_payment_required"
    si = client.v1.setup_intents.retrieve(done.setup_intent)
    assert si.status == "succeeded" and si.metadata["plan"] == "monthly"
    assert client.v1.payment_methods.retrieve(si.payment_method).customer == cus.id
    assert _events(client, "checkout.session.completed")[0].mode == "setup"


def test_list_sessions_and_bad_input(client):
    cs = _session(client)
    assert [s.id for s in client.v1.checkout.sessions.list().data] == [cs.id]
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.checkout.sessions.create(params={"mode": "payment", "success_url": SHOP})
    assert err.value.param == "line_items"
    with pytest.raises(stripe.InvalidRequestError) as err:
        _session(client, success_url="javascript:alert(1)")
    assert err.value.param == "success_url"
    with pytest.raises(stripe.InvalidRequestError) as err:
        _session(client, line_items=[{"price": "price_nope"}])
    assert err.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as err:
        _session(client, customer=client.v1.customers.create().id)  # _session also sends customer_email
    assert err.value.param == "customer_email"
    with pytest.raises(stripe.InvalidRequestError) as err:
        _session(client, mode="subscription")
    assert err.value.param == "mode"
    assert request(client.v1.checkout.sessions.retrieve(cs.id).url.replace(cs.id, "cs_test_nope")).status == 404


def test_expiring_a_session_cancels_its_waiting_payment(client, gateway):
    cs = _session(client)
    challenge = pay_checkout(cs.url, "4000002760003184").location  # the customer leaves at 3-D Secure
    pi_id = client.v1.checkout.sessions.retrieve(cs.id).payment_intent
    assert client.v1.payment_intents.retrieve(pi_id).status == "requires_action"
    client.v1.checkout.sessions.expire(cs.id)
    assert client.v1.payment_intents.retrieve(pi_id).status == "canceled"
    assert request(challenge, "POST", {"result": "pass"}).status == 409  # too late: nothing is captured
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}


def test_the_page_escapes_what_the_merchant_sent(client):
    cs = _session(client, customer_email="x'><script>alert(1)</script>@example.com", line_items=[
        {"price_data": {"currency": "usd", "unit_amount": 100, "product_data": {"name": "<img src=x onerror=alert(1)>"}}}])
    page = request(cs.url).text
    assert "<script>" not in page and "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_webhook_endpoint_receives_checkout_completed(client, gateway):
    """The shop's webhook handler gets checkout.session.completed, signed so Stripe's own check accepts it."""
    with Receiver() as rx:
        set_webhook(gateway.url, rx.url, SECRET)
        try:
            cs = _session(client)
            pay_checkout(cs.url)

            def completed():
                return [e for e in rx.events() if e["type"] == "checkout.session.completed"]

            rx.wait_for(lambda: completed())
            session = completed()[0]["data"]["object"]
            assert session["id"] == cs.id and session["payment_status"] == "paid"
            assert session["client_reference_id"] == "ord_77"
        finally:
            httpx.delete(gateway.url + "/_sim/webhooks")


def test_customer_creation_always_makes_a_customer_for_the_payment(client):
    cs = _session(client, customer_creation="always")
    pay_checkout(cs.url, email="new@example.com")
    done = client.v1.checkout.sessions.retrieve(cs.id)
    assert done.customer and client.v1.customers.retrieve(done.customer).email == "new@example.com"
    assert client.v1.payment_intents.retrieve(done.payment_intent).customer == done.customer


def test_a_free_session_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as err:
        _session(client, line_items=[{"price_data": {"currency": "usd", "unit_amount": 0,
                                                     "product_data": {"name": "Free"}}}])
    assert err.value.param == "line_items"
