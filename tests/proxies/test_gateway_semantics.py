"""Faults that need Stripe semantics, proven against the real gateway with the real stripe SDK:
decline (card_error with the intent, consistent with the ledger) and response_lost (the ledger shows
the charge while the client saw a reset)."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import get_ledger, running_gateway
from paychaos.proxies.testing import running_proxy, set_rules
from tests.proxies.conftest import journal_of


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    journal = tmp_path_factory.mktemp("gw") / "journal.jsonl"
    with running_gateway() as gw, running_proxy({"primary": gw.url}, journal=journal) as proxy:
        yield gw, proxy


def client(proxy) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_proxy", base_addresses={"api": proxy.url}, max_network_retries=0)


def pay(sc: stripe.StripeClient, order: str, key: str | None = None):
    opts = {"idempotency_key": key} if key else {}
    return sc.v1.payment_intents.create(params={"amount": 2500, "currency": "usd", "payment_method": "pm_card_visa",
                                             "confirm": True, "metadata": {"order_id": order}}, options=opts)


def captured_for(gw, order: str) -> int:
    by = get_ledger(gw.url)["money"]["by_metadata"].get("order_id", {})
    return by.get(order, {}).get("captured", 0)


@pytest.mark.parametrize("decline_code", ["insufficient_funds", "do_not_honor"])
def test_decline_is_a_stripe_card_error_and_no_money_moves(stack, decline_code):
    gw, proxy = stack
    scenario = f"decline-{decline_code}"
    set_rules(proxy.info["control"], [{"fault": "decline", "params": {"decline_code": decline_code},
                                       "match": {"metadata.order_id": "ord_d*"}}], scenario=scenario)
    order = f"ord_d_{decline_code}"
    with pytest.raises(stripe.CardError) as info:
        pay(client(proxy), order)
    err = info.value.error
    assert info.value.http_status == 402 and err.code == "card_declined" and err.decline_code == decline_code
    assert err.payment_intent["status"] == "requires_payment_method"
    assert err.payment_intent["last_payment_error"]["decline_code"] == decline_code
    assert captured_for(gw, order) == 0
    assert pay(client(proxy), "ord_other").status == "succeeded"   # the match keeps other orders clean
    rec = journal_of(proxy, scenario, n=2)[0]
    assert rec["status"] == 402 and rec["response"]["error"]["decline_code"] == decline_code
    assert rec["request"]["payment_method"] == "pm_card_visa"        # what the merchant sent


def test_response_lost_charges_while_the_client_sees_a_reset(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "response_lost", "times": 1}], scenario="lost")
    with pytest.raises(stripe.APIConnectionError) as info:
        pay(client(proxy), "ord_lost", key="ord_lost-1")
    assert "reset" in str(info.value).lower()
    assert captured_for(gw, "ord_lost") == 2500                     # the gateway committed it
    again = pay(client(proxy), "ord_lost", key="ord_lost-1")         # a careful merchant retries with the key
    assert again.status == "succeeded"
    assert captured_for(gw, "ord_lost") == 2500                      # and is not charged twice
    first, second = journal_of(proxy, "lost", n=2)
    assert (first["error"], first["status"], first["upstream_status"]) == ("reset", None, 200)
    assert first["response"] is None and second["status"] == 200
    assert first["idempotency_key"] == second["idempotency_key"] == "ord_lost-1"
