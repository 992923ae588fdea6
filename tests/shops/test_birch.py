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
             "webhook-never-comes", "double-submit")


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
    with pytest.raises(UnknownDefect, match="valid: fulfil_on_redirect, trust_success_url"):
        create_app({"STRIPE_API_BASE": "http://127.0.0.1:9", "BIRCH_DEFECTS": "bogus"})


def test_a_shop_selling_a_catalogue_price_is_driven_end_to_end(tmp_path_factory):
    """target-catalogue.yaml: the shop sells the Price its BIRCH_PRICE names, which exists only because
    the target's catalogue seeds every gateway, in every scenario (docs/gateway.md, Catalogue)."""
    sc = paychaos_run(tmp_path_factory, "tests/shops/birch/target-catalogue.yaml", ("healthy-baseline",),
                      {"BIRCH_DEFECTS": ""})["healthy-baseline"]
    assert sc["error"] is None and not sc["inconclusive"] and sc["passed"] and not findings(sc)
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}
    assert sc["money"]["primary"]["captured"] == 4200 * len(sc["checkouts"])   # the catalogue's price, each order
