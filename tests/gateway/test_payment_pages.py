"""The hosted Checkout page's Pay as its script sends it: a PaymentMethod made with the publishable key,
then `POST /v1/payment_pages/{cs}/confirm` (an API call, kind payment, so proxy faults reach it); and a
session's time running out through `/_sim/checkout_sessions/{id}/expire`."""

from __future__ import annotations

import pytest

from paychaos.common.call_kinds import browser_call, call_kind
from paychaos.gateway.testing import complete_payment, expire_session, get_ledger
from tests.gateway.browser import PK, request
from tests.gateway.test_checkout import SHOP, _events, _session


def _pm(base: str, number: str = "4242424242424242", type_: str = "card") -> dict:
    form = {"key": PK, "type": type_, "billing_details[email]": "ann@example.com"}
    if type_ == "card":
        form.update({"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034", "card[cvc]": "123"})
    return request(f"{base}/v1/payment_methods", "POST", form).json()


def _confirm(base: str, cs_id: str, pm_id: str, **extra):
    form = {"key": PK, "payment_method": pm_id, "email": "ann@example.com", **extra}
    return request(f"{base}/v1/payment_pages/{cs_id}/confirm", "POST", form)


def test_the_page_script_pays_with_the_publishable_key(client, gateway):
    cs = _session(client)
    answer = _confirm(gateway.url, cs.id, _pm(gateway.url)["id"], expected_payment_method_type="card",
                      expected_amount="3000")
    assert answer.status == 200
    body = answer.json()
    assert body["object"] == "checkout.session" and body["status"] == "complete" and body["payment_status"] == "paid"
    assert body["payment_intent"]["status"] == "succeeded" and body["payment_intent"]["amount_received"] == 3000
    assert [c.payment_status for c in _events(client, "checkout.session.completed")] == ["paid"]
    back = request(f"{gateway.url}/pay/{cs.id}/return")
    assert back.status == 303 and back.location == f"{SHOP}/success?session_id={cs.id}"
    assert get_ledger(gateway.url)["money"]["currency_totals"]["usd"]["captured"] == 3000


def test_a_decline_is_the_intents_card_error_and_the_session_stays_open(client, gateway):
    cs = _session(client)
    answer = _confirm(gateway.url, cs.id, "pm_card_chargeDeclinedRestrictedCard")
    assert answer.status == 402
    error = answer.json()["error"]
    assert error["type"] == "card_error" and error["decline_code"] == "restricted_card"
    assert client.v1.checkout.sessions.retrieve(cs.id).status == "open"
    assert _confirm(gateway.url, cs.id, "pm_card_visa").status == 200   # another card pays


def test_a_3ds_card_leads_to_the_challenge_and_back_to_the_page(client, gateway):
    cs = _session(client)
    intent = _confirm(gateway.url, cs.id, "pm_card_threeDSecure2Required").json()["payment_intent"]
    assert intent["status"] == "requires_action"
    action = intent["next_action"]["redirect_to_url"]
    assert action["url"] == f"{gateway.url}/_3ds/{intent['id']}" and action["return_url"].endswith(f"/pay/{cs.id}/return")


def test_alipay_completes_the_session_unpaid_until_the_money_settles(client, gateway):
    cs = _session(client, payment_method_types=["card", "alipay", "wechat_pay"])
    body = _confirm(gateway.url, cs.id, _pm(gateway.url, type_="wechat_pay")["id"],
                    expected_payment_method_type="wechat_pay").json()
    assert (body["status"], body["payment_status"]) == ("complete", "unpaid")
    assert body["payment_intent"]["next_action"]["type"] == "wechat_pay_display_qr_code"
    complete_payment(gateway.url, body["payment_intent"]["id"])
    assert [c.id for c in _events(client, "checkout.session.async_payment_succeeded")] == [cs.id]


@pytest.mark.parametrize("form,status,words", [
    ({"payment_method": "pm_card_visa", "expected_payment_method_type": "alipay"}, 400, "not the expected alipay"),
    ({"payment_method": "pm_card_visa", "expected_amount": "1"}, 400, "total is 3000"),
    ({}, 400, "payment_method"),
])
def test_bad_confirms_are_refused_and_change_nothing(client, gateway, form, status, words):
    cs = _session(client)
    answer = request(f"{gateway.url}/v1/payment_pages/{cs.id}/confirm", "POST", {"key": PK, **form})
    assert answer.status == status and words in answer.json()["error"]["message"]
    assert client.v1.checkout.sessions.retrieve(cs.id).status == "open"


def test_a_closed_session_cannot_be_paid_again(client, gateway):
    cs = _session(client)
    assert _confirm(gateway.url, cs.id, "pm_card_visa").status == 200
    again = _confirm(gateway.url, cs.id, "pm_card_visa")
    assert again.status == 400 and again.json()["error"]["code"] == "checkout_session_unexpected_state"
    assert get_ledger(gateway.url)["money"]["currency_totals"]["usd"]["captured"] == 3000
    page = request(cs.url)   # the paid page links back to the shop's success_url
    assert page.status == 200 and f"href='{SHOP}/success?session_id={cs.id}'" in page.text


def test_time_running_out_expires_the_session(client, gateway):
    cs = _session(client)
    assert expire_session(gateway.url, cs.id)["status"] == "expired"
    assert [c.id for c in _events(client, "checkout.session.expired")] == [cs.id]
    page = request(cs.url)
    assert page.status == 410 and f"href='{SHOP}/cart'" in page.text   # back to the shop's cancel_url
    assert _confirm(gateway.url, cs.id, "pm_card_visa").status == 400
    with pytest.raises(Exception, match="400"):   # only an open session's time can run out
        expire_session(gateway.url, cs.id)


def test_the_page_confirm_is_a_payment_of_the_customers_browser():
    assert call_kind("POST", "/v1/payment_pages/cs_test_1/confirm") == "payment"
    assert browser_call("/v1/payment_pages/cs_test_1/confirm")
    assert browser_call("/v1/payment_methods", key="pk_test_x") and not browser_call("/v1/payment_methods")
