"""Faults by meaning (`match.kind`), through a real proxy to the real fake gateway with the real stripe
SDK: a `kind: payment` rule hits a Charges-API integration as it hits a PaymentIntents one, decline
declines a Charge for real (no money captured), and a `kind: lookup` rule leaves payments alone."""

from __future__ import annotations

import pytest
import requests
import stripe

from paychaos.gateway.testing import get_ledger, running_gateway
from paychaos.proxies.testing import running_proxy, set_rules
from tests.proxies.conftest import journal_of


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    journal = tmp_path_factory.mktemp("kinds") / "journal.jsonl"
    with running_gateway() as gw, running_proxy({"primary": gw.url}, journal=journal) as proxy:
        yield gw, proxy


def client(proxy) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_kinds", base_addresses={"api": proxy.url}, max_network_retries=0)


def charge(proxy, order: str, key: str | None = None) -> stripe.Charge:
    opts = {"idempotency_key": key} if key else {}
    return client(proxy).v1.charges.create(params={"amount": 1800, "currency": "usd", "source": "tok_visa",
                                                   "metadata": {"order_id": order}}, options=opts)


def charges_of(gw, order: str) -> list[dict]:
    return [c for c in get_ledger(gw.url)["charges"] if c["metadata"].get("order_id") == order]


def intent_of(gw, pi_id: str) -> dict:
    return next(p for p in get_ledger(gw.url)["payment_intents"] if p["id"] == pi_id)


def test_decline_on_a_charge_is_a_charges_card_error_and_captures_nothing(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "decline", "params": {"decline_code": "restricted_card"},
                                       "match": {"kind": "payment"}}], scenario="charge-decline")
    with pytest.raises(stripe.CardError) as info:
        charge(proxy, "ord_cd_1")
    err = info.value.error
    assert info.value.http_status == 402 and err.type == "card_error"
    assert (err.code, err.decline_code) == ("card_declined", "restricted_card")
    made = charges_of(gw, "ord_cd_1")
    assert len(made) == 1 and err.charge == made[0]["id"]               # the Charge the gateway declined
    assert made[0]["captured"] is False and made[0]["paid"] is False and made[0]["status"] == "failed"
    by_order = get_ledger(gw.url)["money"]["by_metadata"].get("order_id", {})
    assert by_order.get("ord_cd_1", {}).get("captured", 0) == 0
    rec = journal_of(proxy, "charge-decline")[0]
    assert rec["path"] == "/v1/charges" and rec["faults"] == [{"fault": "decline", "rule": "r1"}]
    assert rec["status"] == 402 and rec["response"]["error"]["decline_code"] == "restricted_card"


def test_decline_on_a_confirm_call_declines_the_card_attached_at_create(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [], scenario="confirm-clean")
    sc = client(proxy)
    pi = sc.v1.payment_intents.create(params={"amount": 2100, "currency": "usd", "payment_method": "pm_card_visa",
                                              "metadata": {"order_id": "ord_conf_1"}})
    assert pi.status == "requires_confirmation"
    set_rules(proxy.info["control"], [{"fault": "decline", "params": {"decline_code": "insufficient_funds"},
                                       "match": {"kind": "payment"}}], scenario="confirm-decline")
    with pytest.raises(stripe.CardError) as info:
        sc.v1.payment_intents.confirm(pi.id)        # no payment_method in the confirm itself
    err = info.value.error
    assert err.decline_code == "insufficient_funds" and err.payment_intent["id"] == pi.id
    assert err.payment_intent["status"] == "requires_payment_method"
    assert intent_of(gw, pi.id)["status"] == "requires_payment_method"
    assert intent_of(gw, pi.id)["amount_received"] == 0
    assert [c["captured"] for c in get_ledger(gw.url)["charges"] if c["payment_intent"] == pi.id] == [False]
    rec = journal_of(proxy, "confirm-decline")[0]
    assert rec["path"] == f"/v1/payment_intents/{pi.id}/confirm" and rec["faults"][0]["fault"] == "decline"


def test_decline_with_nothing_to_decline_is_not_journaled_as_applied(stack):
    """A PaymentIntent created without a card: the decline has nothing to act on yet, so the journal
    says no fault was applied (rather than a decline that changed nothing)."""
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "decline", "match": {"kind": "payment"}}], scenario="no-card")
    pi = client(proxy).v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
    assert pi.status == "requires_payment_method"
    rec = journal_of(proxy, "no-card")[0]
    assert rec["status"] == 200 and rec["faults"] == []


@pytest.mark.parametrize("fault, params, error, status", [
    ("http_error", {"status": 503}, stripe.APIError, 503),
    ("rate_limit", {"retry_after_s": 1}, stripe.RateLimitError, 429),
    ("auth_error", {"status": 401}, stripe.AuthenticationError, 401),
    ("reset", {}, stripe.APIConnectionError, None),
])
def test_faults_that_answer_instead_of_the_gateway_stop_a_charge(stack, fault, params, error, status):
    gw, proxy = stack
    order = f"ord_{fault}"
    set_rules(proxy.info["control"], [{"fault": fault, "params": params, "match": {"kind": "payment"}}],
              scenario=f"charge-{fault}")
    with pytest.raises(error):
        charge(proxy, order)
    assert charges_of(gw, order) == []                                   # the gateway never saw it
    rec = journal_of(proxy, f"charge-{fault}")[0]
    assert rec["path"] == "/v1/charges" and rec["faults"][0]["fault"] == fault and rec["status"] == status


def test_response_lost_on_a_charge_commits_it_and_loses_the_answer(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "response_lost", "match": {"kind": "payment"}, "times": 1}],
              scenario="charge-lost")
    with pytest.raises(stripe.APIConnectionError):
        charge(proxy, "ord_lost_ch", key="ord_lost_ch-1")
    assert [c["captured"] for c in charges_of(gw, "ord_lost_ch")] == [True]   # the money moved
    again = charge(proxy, "ord_lost_ch", key="ord_lost_ch-1")                  # same key: the same Charge
    assert again.id == charges_of(gw, "ord_lost_ch")[0]["id"]
    first = journal_of(proxy, "charge-lost", n=2)[0]
    assert (first["error"], first["status"], first["upstream_status"]) == ("reset", None, 200)


def test_malformed_on_a_charge_garbles_the_gateways_answer(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "malformed", "params": {"mode": "garbage", "status": 200},
                                       "match": {"kind": "payment"}}], scenario="charge-garbage")
    resp = requests.post(proxy.url + "/v1/charges", data={"amount": 700, "currency": "usd", "source": "tok_visa",
                                                          "metadata[order_id]": "ord_garbage"},
                         headers={"Authorization": "Bearer sk_test_kinds"}, timeout=10)
    assert resp.status_code == 200 and resp.text.startswith("<html>")
    assert [c["captured"] for c in charges_of(gw, "ord_garbage")] == [True]


def test_a_lookup_rule_leaves_payments_alone(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "http_error", "params": {"status": 503},
                                       "match": {"kind": "lookup"}}], scenario="lookups")
    made = charge(proxy, "ord_lookup")
    assert made.status == "succeeded" and made.captured is True
    with pytest.raises(stripe.APIError):
        client(proxy).v1.charges.retrieve(made.id)
    pay, look = journal_of(proxy, "lookups", n=2)
    assert (pay["method"], pay["faults"], pay["status"]) == ("POST", [], 200)
    assert (look["method"], look["faults"][0]["fault"], look["status"]) == ("GET", "http_error", 503)


def test_payment_rules_hit_payment_intents_too(stack):
    gw, proxy = stack
    set_rules(proxy.info["control"], [{"fault": "decline", "match": {"kind": "payment"}}], scenario="pi-decline")
    with pytest.raises(stripe.CardError) as info:
        client(proxy).v1.payment_intents.create(params={
            "amount": 1500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
            "metadata": {"order_id": "ord_pi_kind"}})
    assert info.value.error.decline_code == "generic_decline"
    assert get_ledger(gw.url)["money"]["by_metadata"]["order_id"]["ord_pi_kind"]["captured"] == 0


def test_the_control_api_refuses_a_kind_the_fault_cannot_act_on(stack):
    _, proxy = stack
    with pytest.raises(RuntimeError) as info:
        set_rules(proxy.info["control"], [{"fault": "decline", "match": {"kind": "capture"}}])
    assert "rules[0].match.kind" in str(info.value) and "applies to: payment" in str(info.value)
