"""3-D Secure as Stripe's test cards define it: requires_action with a next_action leading to the
gateway-hosted challenge page, which the customer passes, fails or abandons."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from paychaos.gateway.testing import get_ledger
from tests.gateway.browser import pass_3ds, request, stripe_js_confirm

RETURN = "http://127.0.0.1:9/order/return"


def _events(client, type_):
    return [e for e in client.v1.events.list(params={"limit": 100}).data if e.type == type_]


@pytest.mark.parametrize("card", ["pm_card_authenticationRequired", "pm_card_authenticationRequiredOnSetup",
                                  "pm_card_threeDSecure2Required"])
def test_3ds_cards_redirect_to_the_hosted_challenge(client, gateway, card):
    pi = client.v1.payment_intents.create(params={"amount": 4200, "currency": "eur", "payment_method": card,
                                                  "confirm": True, "return_url": RETURN})
    assert pi.status == "requires_action" and pi.next_action.type == "redirect_to_url"
    url = pi.next_action.redirect_to_url.url
    assert url == f"{gateway.url}/_3ds/{pi.id}" and pi.next_action.redirect_to_url.return_url == RETURN
    assert _events(client, "payment_intent.requires_action")[0].data.object.id == pi.id
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}


def test_passing_the_challenge_captures_and_returns_to_the_shop(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 4200, "currency": "eur", "confirm": True,
                                                  "payment_method": "pm_card_authenticationRequired",
                                                  "return_url": RETURN, "metadata": {"order_id": "o3"}})
    answer = pass_3ds(pi.next_action.redirect_to_url.url)
    assert answer.status == 303
    back = urlsplit(answer.location)
    assert f"{back.scheme}://{back.netloc}{back.path}" == RETURN
    query = parse_qs(back.query)
    assert query["payment_intent"] == [pi.id] and query["redirect_status"] == ["succeeded"]
    assert query["payment_intent_client_secret"] == [pi.client_secret]
    done = client.v1.payment_intents.retrieve(pi.id)
    assert done.status == "succeeded" and done.amount_received == 4200
    assert _events(client, "payment_intent.succeeded")[0].data.object.id == pi.id
    assert get_ledger(gateway.url)["money"]["by_metadata"]["order_id"]["o3"]["captured"] == 4200


def test_failing_the_challenge_leaves_requires_payment_method(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 4200, "currency": "eur", "confirm": True,
                                                  "payment_method": "pm_card_authenticationRequired",
                                                  "return_url": RETURN})
    answer = pass_3ds(pi.next_action.redirect_to_url.url, "fail")
    assert answer.status == 303 and "redirect_status=failed" in answer.location
    failed = client.v1.payment_intents.retrieve(pi.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert _events(client, "payment_intent.payment_failed")
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}
    # the page is gone once answered; a second answer cannot capture money
    assert request(f"{gateway.url}/_3ds/{pi.id}", "POST", {"result": "pass"}).status == 409


def test_abandoned_challenge_keeps_waiting_and_captures_nothing(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 990, "currency": "usd", "confirm": True,
                                                  "payment_method": "pm_card_authenticationRequired"})
    assert request(f"{gateway.url}/_3ds/{pi.id}").status == 200  # the customer looks, then leaves
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_action"
    assert get_ledger(gateway.url)["money"]["currency_totals"] == {}
    canceled = client.v1.payment_intents.cancel(pi.id)
    assert canceled.status == "canceled"


def test_browser_confirm_gets_use_stripe_sdk_and_the_page_closes(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    answer = stripe_js_confirm(gateway.url, pi.id, pi.client_secret, "pm_card_authenticationRequired")
    body = answer.json()
    assert body["status"] == "requires_action" and body["next_action"]["type"] == "use_stripe_sdk"
    url = body["next_action"]["use_stripe_sdk"]["stripe_js"]
    done = pass_3ds(url)
    assert done.status == 200 and "Authentication complete" in done.text
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_3ds_card_off_session_is_declined_authentication_required(client):
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_intents.create(params={"amount": 500, "currency": "usd", "confirm": True,
                                                 "off_session": True,
                                                 "payment_method": "pm_card_authenticationRequiredOnSetup"})
    assert err.value.code == "authentication_required"


def test_unknown_challenge_is_404_html(gateway):
    answer = request(f"{gateway.url}/_3ds/pi_nope")
    assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")


def test_an_alipay_payment_cannot_be_completed_on_the_3ds_page(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 800, "currency": "cny", "confirm": True,
                                                  "payment_method_data": {"type": "alipay"},
                                                  "payment_method_types": ["alipay"], "return_url": RETURN})
    assert request(f"{gateway.url}/_3ds/{pi.id}", "POST", {"result": "pass"}).status == 409
    assert client.v1.payment_intents.retrieve(pi.id).status == "requires_action"
