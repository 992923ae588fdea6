"""Sorrel & Thyme (tests/shops/sorrel): authorises at checkout (capture_method=manual) and charges when the
plants ship, on plain HTTP. The clean shop through the default suite: every scenario passes, the held money is
counted as money, and each planted defect is found by the rule made for it (tests/shops/MEASUREMENTS.md, Sorrel)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from paychaos.gateway.testing import get_ledger, running_gateway
from tests.shops.shop_runs import ROOT, findings, paychaos_run, planted
from tests.shops.sorrel.app import UnknownDefect, create_app

pytestmark = pytest.mark.slow

TARGET = "tests/shops/sorrel/target.yaml"
# `paychaos run`'s default suite on a server-flow shop (the three browser-flow scenarios are left out)
DEFAULT = ("account-frozen", "bad-card-data", "cancel-after-pay", "confirm-response-lost", "decline-rewrite",
           "decline-test-cards", "double-submit", "gateway-connection-refused", "gateway-connection-reset",
           "gateway-hang", "gateway-latency", "gateway-outage-both", "gateway-outage-full", "gateway-outage-partial",
           "gateway-slow-body", "healthy-baseline", "insufficient-funds", "malformed-garbage", "malformed-truncated",
           "merchant-account-403", "merchant-auth-401", "rate-limit", "response-lost", "three-ds-abandoned",
           "three-ds-failed", "three-ds-required", "webhook-delay-duplicate", "webhook-forged", "webhook-never-comes",
           "webhook-reorder-drop")
# One gateway, cards only: an outage leaves the customer no other way to pay (true of the shop)
NO_ALTERNATIVE = {"gateway-outage-both", "gateway-outage-full", "merchant-account-403", "merchant-auth-401"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, DEFAULT, {"SORREL_DEFECTS": ""})


def test_authorised_at_checkout_charged_on_ship_released_on_cancel():
    """The shop alone on the real gateway: the hold, its capture when shipping, its release on cancel."""
    with running_gateway() as gw:
        shop = create_app({"STRIPE_API_BASE": gw.url, "STRIPE_WEBHOOK_SECRET": "whsec_x"}).test_client()
        answer = shop.post("/checkout", json={"cart": "c1", "amount": 1234, "currency": "usd",
                                              "payment_method": "pm_card_visa"})
        placed = answer.get_json()
        assert answer.status_code == 201 and placed["state"] == "authorised" and "only charge" in placed["message"]
        assert shop.post("/checkout", json={"cart": "c1", "amount": 1234, "currency": "usd",
                                            "payment_method": "pm_card_visa"}).get_json()["order"] == placed["order"]
        [intent] = get_ledger(gw.url)["payment_intents"]
        assert (intent["status"], intent["capture_method"], intent["amount_capturable"]) == (
            "requires_capture", "manual", 1234)
        shipped = shop.post(f"/orders/{placed['order']}/ship").get_json()
        assert (shipped["state"], shipped["shipped"]) == ("charged", 1)
        assert get_ledger(gw.url)["money"]["currency_totals"]["usd"]["captured"] == 1234
        other = shop.post("/checkout", json={"cart": "c2", "amount": 500, "currency": "usd",
                                             "payment_method": "pm_card_visa"}).get_json()
        assert shop.post(f"/orders/{other['order']}/cancel").get_json()["state"] == "cancelled"
        released = [p for p in get_ledger(gw.url)["payment_intents"] if p["metadata"]["sorrel_order"] == other["order"]]
        assert [p["status"] for p in released] == ["canceled"]
        assert get_ledger(gw.url)["money"]["currency_totals"]["usd"]["captured"] == 1234   # nothing taken


def test_the_clean_shop_passes_the_default_suite_with_only_true_findings(clean):
    assert sorted(clean) == sorted(DEFAULT)
    for name, sc in clean.items():
        assert sc["error"] is None and not sc["inconclusive"] and sc["passed"], (name, sc["findings"])
        serious = {(f["rule"], f["severity"]) for f in findings(sc)}
        assert serious == ({("fallback.alternatives", "major")} if name in NO_ALTERNATIVE else set()), name


def test_healthy_orders_are_told_authorised_and_their_money_is_held_not_captured(clean):
    sc = clean["healthy-baseline"]
    checkouts = sc["checkouts"]
    assert [(c["status"], c["raw_status"]) for c in checkouts] == [("paid", "authorised")] * len(checkouts)
    assert sc["money"]["primary"]["captured"] == 0
    assert sc["money"]["primary"]["held"] == sum(c["amount"] for c in checkouts)
    assert not findings(sc, severities=("critical", "major", "minor"))


def test_a_cancel_releases_the_hold_and_the_authorised_answer_stays_true(clean):
    sc = clean["cancel-after-pay"]
    steps = [(c["step"], c["raw_status"]) for c in sc["checkouts"]]
    assert steps.count(("checkout", "authorised")) == steps.count(("cancel", "cancelled")) == 4
    assert "held" not in sc["money"]["primary"] and sc["money"]["primary"]["captured"] == 0
    assert not findings(sc, severities=("critical", "major", "minor"))


@pytest.mark.parametrize("defect, scenario, rule, severity", [
    ("fresh_key_per_try", "response-lost", "integrity.no_double_charge", "major"),
    ("fresh_key_per_try", "response-lost", "retry.idempotency_key", "major"),
    ("cancel_keeps_hold", "cancel-after-pay", "integrity.refund_after_cancel", "major"),
])
def test_each_planted_defect_is_found_by_its_rule(tmp_path_factory, clean, defect, scenario, rule, severity):
    sc = planted(tmp_path_factory, TARGET, scenario, SORREL_DEFECTS=defect)
    assert not sc["passed"] and findings(sc, rule, (severity,)), sc["findings"]
    assert not findings(clean[scenario], rule, ("critical", "major", "minor"))


def test_an_unknown_defect_is_refused():
    with pytest.raises(UnknownDefect, match="valid: fresh_key_per_try, cancel_keeps_hold"):
        create_app({"SORREL_DEFECTS": "bogus"})
    proc = subprocess.run([sys.executable, "-m", "tests.shops.sorrel", "--port", "0"], cwd=ROOT, timeout=60,
                          env={**os.environ, "SORREL_DEFECTS": "bogus"}, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("sorrel: SORREL_DEFECTS: unknown defect(s) bogus; valid: "), proc.stderr
