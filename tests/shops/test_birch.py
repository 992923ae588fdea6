"""Birch, a shop of the redirect flow (tests/shops/birch), through `paychaos run`: the driver pays the
hosted Checkout page like a customer, through the proxy, and follows the redirect back to the shop;
the clean shop gets no serious finding and each planted defect is found (docs/flows/redirect.md)."""

from __future__ import annotations

import pytest

from paychaos.gateway.testing import running_gateway
from tests.shops.birch.app import create_app
from tests.shops.browser_shop import UnknownDefect
from tests.shops.shop_runs import findings, paychaos_run

pytestmark = pytest.mark.slow

TARGET = "tests/shops/birch/target.yaml"
SCENARIOS = ("healthy-baseline", "decline-test-cards", "three-ds-required", "three-ds-abandoned",
             "webhook-never-comes", "double-submit", "confirm-response-lost", "decline-rewrite",
             "checkout-expired", "async-payment-settles", "async-payment-fails")
CHECKOUT_SCENARIOS = ("checkout-expired", "async-payment-settles", "async-payment-fails")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, SCENARIOS, {"BIRCH_DEFECTS": ""})


def defective(tmp_path_factory, defect: str) -> dict:
    return paychaos_run(tmp_path_factory, TARGET, ("decline-test-cards", "webhook-never-comes"),
                        {"BIRCH_DEFECTS": defect})


def test_the_shop_answers_303_to_the_hosted_page():
    with running_gateway() as gw:
        client = create_app({"STRIPE_API_BASE": gw.url, "STRIPE_WEBHOOK_SECRET": "whsec_x"}).test_client()
        answer = client.post("/checkout", data={"order_id": "o1", "amount": "1234", "currency": "usd"})
        assert answer.status_code == 303 and answer.headers["Location"].startswith(gw.url + "/pay/cs_test_")


def test_healthy_customers_pay_the_hosted_page_and_come_back_paid(clean):
    sc = clean["healthy-baseline"]
    assert sc["error"] is None and not sc["inconclusive"] and sc["passed"] and not findings(sc)
    checkouts = sc["checkouts"]
    assert {(c["status"], c["http_status"]) for c in checkouts} == {("paid", 200)}   # read on /return
    assert sc["money"]["primary"]["captured"] == sum(c["amount"] for c in checkouts)
    pays = [x for x in sc["timeline"] if x["direction"] == "to_gateway" and x["path"].startswith("/pay/")]
    assert len(pays) >= 2 * len(checkouts)   # the page and its form post, through the proxy


def test_declines_and_challenges_end_as_the_customer_saw_them(clean):
    declined = clean["decline-test-cards"]
    assert declined["passed"] and not findings(declined)
    assert {c["status"] for c in declined["checkouts"]} == {"failed"}
    assert all(c["message"] and "try again" in c["message"] for c in declined["checkouts"])
    assert clean["three-ds-required"]["passed"] and not findings(clean["three-ds-required"])
    left = clean["three-ds-abandoned"]
    assert {c["raw_status"] for c in left["checkouts"]} == {"three_ds_abandoned"}
    assert left["money"]["primary"]["captured"] == 0 and not findings(left)


def test_a_lost_webhook_and_a_second_tab_are_survived(clean):
    for name in ("webhook-never-comes", "double-submit"):
        sc = clean[name]
        assert sc["passed"] and not findings(sc), (name, sc["findings"])
        assert {c["status"] for c in sc["checkouts"]} == {"paid"}


def test_payment_faults_reach_the_hosted_pages_confirm_and_are_judged(clean):
    """The page pays through POST /v1/payment_pages/{cs}/confirm, a `kind: payment` call: a lost answer
    and a rewritten decline now happen on the hosted page, and the scenarios are conclusive."""
    for name in ("confirm-response-lost", "decline-rewrite"):
        sc = clean[name]
        faulted = [x for x in sc["timeline"] if x["faults"]]
        assert faulted and all(x["path"].startswith("/v1/payment_pages/") for x in faulted), name
        assert not sc["inconclusive"] and sc["passed"] and not findings(sc), (name, sc["findings"])
    lost = clean["confirm-response-lost"]
    assert {c["status"] for c in lost["checkouts"]} == {"paid"}   # reloaded the page, followed it back
    assert lost["money"]["primary"]["captured"] == sum(c["amount"] for c in lost["checkouts"])
    declined = clean["decline-rewrite"]
    assert {c["status"] for c in declined["checkouts"]} == {"failed"} and declined["money"]["primary"]["captured"] == 0


def test_expired_sessions_and_late_wallet_money_are_played_and_survived(clean):
    expired = clean["checkout-expired"]
    assert all(c["sim"] == ["session_expired"] for c in expired["checkouts"])
    late = [c for c in expired["checkouts"] if c["action"] == "pay_late"]
    assert late and {c["status"] for c in late} == {"failed"} and all("expired" in c["message"] for c in late)
    assert expired["money"]["primary"]["captured"] == 0
    settles, fails = clean["async-payment-settles"], clean["async-payment-fails"]
    assert {c["status"] for c in settles["checkouts"] + fails["checkouts"]} == {"pending"}   # back before the money
    assert all(c["order_before_settled"]["status"] == "pending" for c in settles["checkouts"])
    assert settles["money"]["primary"]["captured"] == sum(c["amount"] for c in settles["checkouts"])
    assert fails["money"]["primary"]["captured"] == 0
    for name in CHECKOUT_SCENARIOS:
        assert clean[name]["passed"] and not findings(clean[name]), (name, clean[name]["findings"])


@pytest.mark.parametrize("defect,scenario,rule,severity", [
    ("paid_on_complete", "async-payment-settles", "integrity.settled_before_fulfilment", "critical"),
    ("paid_on_complete", "async-payment-fails", "prompt.status_right", "critical"),
    ("ignore_expired", "checkout-expired", "integrity.expired_checkout_closed", "major"),
    ("ignore_expired", "checkout-expired", "prompt.checkout_session_told", "major"),
    ("ignore_async_failed", "async-payment-fails", "integrity.settled_before_fulfilment", "major"),
])
def test_each_checkout_session_defect_is_found(tmp_path_factory, defect, scenario, rule, severity):
    sc = paychaos_run(tmp_path_factory, TARGET, CHECKOUT_SCENARIOS, {"BIRCH_DEFECTS": defect})[scenario]
    assert findings(sc, rule, (severity,)) and not sc["passed"]


def test_fulfilling_on_the_redirect_is_found(tmp_path_factory):
    runs = defective(tmp_path_factory, "fulfil_on_redirect")
    assert findings(runs["webhook-never-comes"], "integrity.fulfilled_on_webhook", ("major",))
    assert findings(runs["decline-test-cards"], "integrity.no_double_fulfilment", ("critical",))


def test_trusting_the_success_url_is_found(tmp_path_factory):
    sc = defective(tmp_path_factory, "trust_success_url")["decline-test-cards"]
    told = findings(sc, "prompt.status_right", ("critical",))
    assert told and "said \"paid\"" in told[0]["message"]
    assert not sc["passed"]


def test_an_unknown_defect_is_refused():
    with pytest.raises(UnknownDefect, match="valid: fulfil_on_redirect, trust_success_url, paid_on_complete"):
        create_app({"STRIPE_API_BASE": "http://127.0.0.1:9", "BIRCH_DEFECTS": "bogus"})


FORWARD_SCENARIOS = ("healthy-baseline", "decline-test-cards", "three-ds-required", "three-ds-abandoned",
                     "confirm-response-lost", "checkout-expired", "async-payment-settles")


def test_in_forward_mode_the_hosted_page_is_checkout_stripe_com_through_the_proxy(tmp_path_factory):
    """target-forward.yaml: the shop keeps https://api.stripe.com and redirects only to
    https://checkout.stripe.com (else it refuses the checkout); the driver opens that page through the
    forward proxy, which answers it from the gateway, and follows the way back (docs/proxy.md)."""
    runs = paychaos_run(tmp_path_factory, "tests/shops/birch/target-forward.yaml", FORWARD_SCENARIOS,
                        {"BIRCH_DEFECTS": ""})
    for name in FORWARD_SCENARIOS:
        sc = runs[name]
        assert sc["error"] is None and not sc["inconclusive"] and sc["passed"] and not findings(sc), \
            (name, sc["findings"])
    healthy = runs["healthy-baseline"]
    assert {c["status"] for c in healthy["checkouts"]} == {"paid"}
    assert healthy["money"]["primary"]["captured"] == sum(c["amount"] for c in healthy["checkouts"])
    pages = [x for x in healthy["timeline"] if x["path"].startswith("/c/pay/cs_test_")]
    assert len(pages) >= 2 * len(healthy["checkouts"])   # the page and its way back, each journaled
    assert {x["host"] for x in pages} == {"checkout.stripe.com"}
    assert {x["host"] for x in healthy["timeline"] if x["direction"] == "to_gateway"} == {
        "api.stripe.com", "checkout.stripe.com"}   # the shop's calls and the page's: all forwarded
    challenges = [x for x in runs["three-ds-required"]["timeline"] if x["path"].startswith("/redirect/authenticate/")]
    assert challenges and {x["host"] for x in challenges} == {"hooks.stripe.com"}  # Stripe's page, through the proxy
    assert runs["three-ds-abandoned"]["money"]["primary"]["captured"] == 0


def test_a_shop_selling_a_catalogue_price_is_driven_end_to_end(tmp_path_factory):
    """target-catalogue.yaml: the shop sells the Price its BIRCH_PRICE names, which exists only because
    the target's catalogue seeds every gateway, in every scenario (docs/gateway.md, Catalogue)."""
    sc = paychaos_run(tmp_path_factory, "tests/shops/birch/target-catalogue.yaml", ("healthy-baseline",),
                      {"BIRCH_DEFECTS": ""})["healthy-baseline"]
    assert sc["error"] is None and not sc["inconclusive"] and sc["passed"] and not findings(sc)
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}
    assert sc["money"]["primary"]["captured"] == 4200 * len(sc["checkouts"])   # the catalogue's price, each order


@pytest.mark.skipif(__import__("paychaos.driver.cdp", fromlist=["cdp"]).find_chromium() is None,
                    reason="no Chromium (ci/setup.sh installs it)")
def test_browser_mode_pays_on_the_hosted_page_the_shops_button_leads_to(tmp_path_factory):
    """checkout.page.pay_on: hosted (the pattern of Stripe's Checkout samples): Chromium clicks the shop's
    button, lands on the hosted page, types the card there; a decline is read on the hosted page."""
    runs = paychaos_run(tmp_path_factory, "tests/shops/birch/target-browser.yaml",
                        ("healthy-baseline", "decline-test-cards"), {"BIRCH_DEFECTS": ""})
    paid = runs["healthy-baseline"]["checkouts"]
    assert paid and {c["status"] for c in paid} == {"paid"} and all('"status":"paid"' in c["message"] for c in paid)
    declined = {c["expected"]: c["message"] for c in runs["decline-test-cards"]["checkouts"]}
    assert declined["declined:expired_card"] == "Your card has expired."   # the hosted page's own words
    for sc in runs.values():
        assert sc["passed"] and not sc["inconclusive"] and not findings(sc), findings(sc)
