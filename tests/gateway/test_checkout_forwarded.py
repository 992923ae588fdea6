"""The gateway behind forward mode (docs/proxy.md): a call the proxy marks as forwarded gets Stripe's own
Checkout address in a session's `url` (https://checkout.stripe.com/c/pay/cs_...), the page answers on
that path too, and a request marked as asking for checkout.stripe.com gets the pages only.
(tests/proxies/test_forward_checkout.py runs the same through a real forward proxy.)"""

from __future__ import annotations

import httpx

from paychaos.common.stripe_hosts import FORWARDED_HEADER
from tests.gateway.browser import pay_checkout
from tests.gateway.test_checkout import SHOP, _session


def _create(gateway, forwarded: str | None) -> dict:
    headers = {"Authorization": "Bearer sk_test_paychaos", **({FORWARDED_HEADER: forwarded} if forwarded else {})}
    return httpx.post(f"{gateway.url}/v1/checkout/sessions", headers=headers, timeout=30, data={
        "mode": "payment", "success_url": SHOP + "/ok?cs={CHECKOUT_SESSION_ID}", "cancel_url": SHOP + "/cart",
        "line_items[0][quantity]": "1", "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1500",
        "line_items[0][price_data][product_data][name]": "Lamp"}).json()


def test_a_forwarded_call_gets_stripes_checkout_address(gateway):
    cs = _create(gateway, "api.stripe.com")
    assert cs["url"] == f"https://checkout.stripe.com/c/pay/{cs['id']}"


def test_without_the_mark_or_with_a_name_that_is_not_stripes_the_url_is_the_gateways(gateway, client):
    assert _session(client).url.startswith(f"{gateway.url}/pay/cs_test_")
    cs = _create(gateway, "evil.example")
    assert cs["url"] == f"{gateway.url}/pay/{cs['id']}"


def test_the_page_answers_on_stripes_path_and_is_paid_there(gateway, client):
    cs = _session(client)
    page = f"{gateway.url}/c/pay/{cs.id}"
    assert httpx.get(page, timeout=30).status_code == 200
    answer = pay_checkout(page)
    assert answer.status == 303 and answer.location == f"{SHOP}/success?session_id={cs.id}"
    assert client.v1.checkout.sessions.retrieve(cs.id).payment_status == "paid"


def test_checkout_stripe_com_serves_only_the_pages(gateway, client):
    cs = _session(client)
    mark = {FORWARDED_HEADER: "checkout.stripe.com"}
    assert httpx.get(f"{gateway.url}/c/pay/{cs.id}", headers=mark, timeout=30).status_code == 200
    for path in (f"/pay/{cs.id}", f"/v1/checkout/sessions/{cs.id}", "/v3"):
        answer = httpx.get(f"{gateway.url}{path}", timeout=30,
                           headers={**mark, "Authorization": "Bearer sk_test_paychaos"})
        assert answer.status_code == 404, path
