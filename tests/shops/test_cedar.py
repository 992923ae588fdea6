"""Cedar, a shop of the client-secret flow (tests/shops/cedar), through `paychaos run`: the driver
confirms the PaymentIntent as stripe.js does, through the proxy, and follows 3-D Secure; the clean
shop gets no serious finding and its planted defect is found (docs/flows/client-secret.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import stripe

from paychaos.gateway.testing import get_ledger, running_gateway
from tests.shops.browser_shop import UnknownDefect
from tests.shops.cedar.app import create_app
from tests.shops.shop_runs import ROOT, findings, paychaos_run

pytestmark = pytest.mark.slow

TARGET = "tests/shops/cedar/target.yaml"
SCENARIOS = ("healthy-baseline", "three-ds-required", "three-ds-failed", "three-ds-abandoned",
             "confirm-response-lost", "async-payment-settles", "async-payment-fails", "checkout-expired")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, SCENARIOS, {"CEDAR_DEFECTS": ""})


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, ("three-ds-failed", "three-ds-abandoned", "async-payment-settles"),
                        {"CEDAR_DEFECTS": "no_requires_action"})


def test_the_shop_answers_a_client_secret_and_an_unconfirmed_order_is_pending():
    with running_gateway() as gw:
        app = create_app({"STRIPE_API_BASE": gw.url, "STRIPE_WEBHOOK_SECRET": "whsec_x"})
        client = app.test_client()
        answer = client.post("/orders", json={"order_id": "o1", "amount": 1234, "currency": "usd"}).get_json()
        assert answer["status"] == "pending" and answer["clientSecret"].startswith("pi_")
        assert client.get("/orders/o1").get_json() == {"id": "o1", "status": "pending", "fulfilled": 0}


def test_healthy_orders_are_paid_by_the_browsers_confirm_with_the_money_captured(clean):
    sc = clean["healthy-baseline"]
    assert sc["error"] is None and not sc["inconclusive"] and sc["passed"]
    checkouts = sc["checkouts"]
    assert [(c["status"], c["raw_status"]) for c in checkouts] == [("paid", "succeeded")] * len(checkouts)
    assert sc["money"]["primary"]["captured"] == sum(c["amount"] for c in checkouts)
    confirms = [x for x in sc["timeline"] if x["direction"] == "to_gateway" and x["path"].endswith("/confirm")]
    assert len(confirms) == len(checkouts)   # the browser's confirm went through the proxy: journaled
    assert not findings(sc)


def test_3ds_passed_failed_and_left_end_as_the_customer_answered(clean):
    passed = clean["three-ds-required"]
    assert passed["passed"] and not findings(passed)
    assert {c["status"] for c in passed["checkouts"]} == {"paid"}
    assert any(x["path"].startswith("/_3ds/") for x in passed["timeline"])   # the challenge, through the proxy
    failed = clean["three-ds-failed"]
    assert [c["status"] for c in failed["checkouts"]] == ["failed"] * 3 and not findings(failed)
    assert all("failed authentication" in (c["message"] or "") for c in failed["checkouts"])
    left = clean["three-ds-abandoned"]
    assert [c["raw_status"] for c in left["checkouts"]] == ["three_ds_abandoned"] * 3
    assert left["money"]["primary"]["captured"] == 0 and not findings(left)


def test_a_lost_confirm_answer_is_looked_up_and_the_order_still_paid(clean):
    sc = clean["confirm-response-lost"]
    assert sc["faults_applied"] >= 1 and not sc["inconclusive"] and sc["passed"]
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}
    assert not findings(sc)   # the browser's keyless confirm is not blamed on the shop's retries


def test_taking_requires_action_for_success_is_found(defective):
    for name in ("three-ds-failed", "three-ds-abandoned"):
        sc = defective[name]
        assert not sc["passed"]
        assert findings(sc, "integrity.no_false_success", ("critical",))
        assert findings(sc, "integrity.no_double_fulfilment", ("critical",))


def test_the_card_on_file_defect_charges_a_customer_who_left_the_challenge():
    """The shop alone: its order waits on 3-D Secure; reading it, the defective shop charges the saved card."""
    with running_gateway() as gw:
        app = create_app({"STRIPE_API_BASE": gw.url, "STRIPE_WEBHOOK_SECRET": "whsec_x",
                          "CEDAR_DEFECTS": "charge_card_on_file"})
        client = app.test_client()
        secret = client.post("/orders", json={"order_id": "o1", "amount": 1234, "currency": "usd"}).get_json()
        pi = stripe.StripeClient("sk_test_cedar", base_addresses={"api": gw.url}).v1.payment_intents.confirm(
            secret["clientSecret"].split("_secret_")[0],
            params={"payment_method": "pm_card_authenticationRequired", "return_url": "http://127.0.0.1:9/back"})
        assert pi.status == "requires_action"   # the customer walks away from the challenge here
        assert client.get("/orders/o1").get_json() == {"id": "o1", "status": "paid", "fulfilled": 1}
        ledger = get_ledger(gw.url)["money"]["by_metadata"]["order_id"]["o1"]
        assert ledger["captured"] == 1234


def test_charging_the_card_on_file_after_an_abandoned_challenge_is_found(tmp_path_factory):
    """integrity.abandoned_3ds_uncharged on the scenario it is for: the clean shop leaves the order
    uncharged (test_3ds_passed_failed_and_left_end_as_the_customer_answered), the defective one is caught."""
    sc = paychaos_run(tmp_path_factory, TARGET, ("three-ds-abandoned",),
                      {"CEDAR_DEFECTS": "charge_card_on_file"})["three-ds-abandoned"]
    assert {c["raw_status"] for c in sc["checkouts"]} == {"three_ds_abandoned"}
    assert sc["money"]["primary"]["captured"] == sum(c["amount"] for c in sc["checkouts"])
    found = findings(sc, "integrity.abandoned_3ds_uncharged", ("critical",))
    assert found and not sc["passed"]
    assert sorted(found[0]["evidence"]["order_ids"]) == sorted(c["order_id"] for c in sc["checkouts"])


def test_an_unknown_defect_is_refused():
    with pytest.raises(UnknownDefect, match="valid: no_requires_action"):
        create_app({"STRIPE_API_BASE": "http://127.0.0.1:9", "CEDAR_DEFECTS": "bogus"})
    proc = subprocess.run([sys.executable, "-m", "tests.shops.cedar", "--port", "0"], cwd=ROOT, timeout=30,
                          env={**os.environ, "CEDAR_DEFECTS": "bogus"}, capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown defect(s) bogus" in proc.stderr




def test_wallet_money_that_settles_late_is_waited_for(clean):
    """The page confirms with Alipay / WeChat Pay (offered in the shop's answer); the order waits for the
    money, which settles (or fails) after the customer is back."""
    for name in ("async-payment-settles", "async-payment-fails"):
        sc = clean[name]
        assert sc["passed"] and not sc["inconclusive"] and not findings(sc), (name, sc["findings"])
        assert {c["raw_status"] for c in sc["checkouts"]} == {"awaiting_wallet"}
        assert all(c["order_before_settled"]["status"] == "pending" for c in sc["checkouts"])
    assert clean["async-payment-fails"]["money"]["primary"]["captured"] == 0


def test_an_expiring_checkout_session_cannot_apply_to_this_flow(clean):
    sc = clean["checkout-expired"]
    assert sc["inconclusive"] and "client_secret" in sc["inconclusive"][0] and not sc["passed"]


def test_shipping_on_requires_action_ships_before_the_wallets_money(defective):
    sc = defective["async-payment-settles"]
    assert findings(sc, "integrity.settled_before_fulfilment", ("critical",)) and not sc["passed"]
