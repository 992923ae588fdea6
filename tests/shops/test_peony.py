"""牡丹饼屋 (tests/shops/peony), a phone-web shop on Alipay's mobile cashier (alipay.trade.wap.pay, the official
alipay-sdk-python's page_execute GET), through `paychaos run`: the fake Alipay, the real proxy, the driver
opening the cashier as the customer's phone (checkout.flow: redirect), and the scorer.

The clean shop passes the Alipay scenarios of its flow with no finding of any weight; each planted defect
is found by the rule that names its harm, and the clean shop is not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.shops.shop_runs import ROOT, findings, paychaos_run, planted

pytest.importorskip("alipay.aop.api.request.AlipayTradeWapPayRequest")
pytestmark = pytest.mark.slow

TARGET = "tests/shops/peony/target.yaml"
# The Alipay set for a redirect-flow shop with one gateway, but for the three below
CLEAN = ("alipay-healthy", "alipay-balance-not-enough", "alipay-buyer-frozen", "alipay-system-error",
         "alipay-frequency-limited", "alipay-answer-lost", "alipay-trade-not-exist", "alipay-notify-forged",
         "alipay-notify-duplicate-late", "alipay-response-lost", "alipay-trade-closed", "alipay-answer-forged",
         "alipay-double-submit", "alipay-outage", "alipay-notify-unsigned", "alipay-closed-pay-again")
FALLBACK = ("alipay-outage-fallback", "alipay-answer-lost-fallback")   # need a backup: inconclusive here
ALL = ("minor", "major", "critical")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, tuple(f"alipay/{s}" for s in CLEAN + FALLBACK),
                        {"PEONY_DEFECTS": ""})


def _captured(sc: dict) -> int:
    return ((sc["money_by_currency"].get("primary") or {}).get("cny") or {}).get("captured", 0)


@pytest.mark.parametrize("name", CLEAN)
def test_clean_shop_passes_with_no_finding(clean, name):
    sc = clean[name]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc, severities=ALL) == [], findings(sc, severities=ALL)


def test_phones_pay_on_the_wap_cashier_and_the_notification_ships_the_box(clean):
    sc = clean["alipay-healthy"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    assert all("付款成功" in c["message"] for c in sc["checkouts"])
    assert _captured(sc) == sum(c["amount"] for c in sc["checkouts"])
    # the phone opened the SDK's signed GET URL and paid on the cashier (302 back to return_url)
    assert sum(t["method"] == "GET" and t["path"] == "/gateway.do" for t in sc["timeline"]) == 4
    assert sum(t["path"].startswith("/alipay/cashier/") and t["status"] == 302 for t in sc["timeline"]) == 4
    notices = [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRADE_SUCCESS"]
    assert len(notices) == 4 and all(t["status"] == 200 for t in notices), notices


def test_a_customer_back_after_a_close_pays_under_a_new_trade(clean):
    sc = clean["alipay-closed-pay-again"]
    first = [c for c in sc["checkouts"] if c["step"] == "checkout"]
    again = [c for c in sc["checkouts"] if c["step"] == "checkout#2"]
    assert len(first) == len(again) == 4
    for c in first:   # left the cashier: the shop asked Alipay, closed the trade, said so in Chinese
        assert c["status"] == "failed" and {"cashier_left", "trade_closed"} <= set(c["sim"]), c
        assert "没有扣款" in c["message"] and "重新支付" in c["message"], c
    assert [c["status"] for c in again] == ["paid"] * 4 and not any(c.get("sim") for c in again)
    assert _captured(sc) == sum(c["amount"] for c in again)   # each order charged once, on its new trade
    closes = [t for t in sc["timeline"] if t["outcome"] == "10000" and t["upstream"] == "primary"
              and t["path"] == "/gateway.do" and t["method"] == "POST"]
    assert len(closes) >= 4   # the shop's own alipay.trade.close of each trade the customer left


def test_forged_and_unsigned_notifications_reach_the_shop_and_are_refused(clean):
    for name in ("alipay-notify-forged", "alipay-notify-unsigned"):
        sc = clean[name]
        made_up = [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRADE_SUCCESS"]
        assert len(made_up) == 4 and all(t["status"] == 400 for t in made_up), (name, made_up)
        assert [c["status"] for c in sc["checkouts"]] == ["failed"] * 4 and _captured(sc) == 0


def test_without_a_backup_the_fallback_scenarios_are_inconclusive(clean):
    for name in FALLBACK:
        sc = clean[name]
        assert sc["inconclusive"] and not sc["passed"], sc
        assert any("requires a backup gateway" in p for p in sc["inconclusive"]), sc["inconclusive"]


def test_a_key_mix_up_on_alipays_cashier_is_inconclusive_not_judged(tmp_path_factory):
    """alipay-sign-error on a cashier shop: the phone's signed URL is refused on Alipay's own page, which
    the shop never hears of (page_execute makes no call) and has no way back. Nothing the shop's code does
    is judged: the scenario (`flows: [server, browser, qr]`) is inconclusive, with no finding, and nothing
    is charged."""
    sc = planted(tmp_path_factory, TARGET, "alipay/alipay-sign-error", PEONY_DEFECTS="")
    assert {c["raw_status"] for c in sc["checkouts"]} == {"alipay_page_refused"}
    assert all(c["message"].startswith("isv.invalid-signature") for c in sc["checkouts"])
    assert _captured(sc) == 0
    assert not sc["passed"] and any("checkout.flow is redirect" in r for r in sc["inconclusive"]), sc
    assert findings(sc, severities=ALL) == []


def test_defect_reuse_closed_trade_leaves_the_customer_unable_to_pay_and_is_found(tmp_path_factory, clean):
    sc = planted(tmp_path_factory, TARGET, "alipay/alipay-closed-pay-again", PEONY_DEFECTS="reuse_closed_trade")
    again = [c for c in sc["checkouts"] if c["step"] == "checkout#2"]
    assert len(again) == 4 and not sc["passed"]
    for c in again:   # the closed out_trade_no again: Alipay's error page, no way back
        assert c["status"] == "failed" and "closed_trade_reopened" in c["sim"], c
        assert c["message"].startswith("ACQ.TRADE_HAS_CLOSE"), c
    assert _captured(sc) == 0
    [found] = findings(sc, "retry.closed_trade_not_reused")
    assert found["severity"] == "major" and len(found["evidence"]["order_ids"]) == 4
    assert findings(sc, "prompt.outcome")
    assert findings(clean["alipay-closed-pay-again"], "retry.closed_trade_not_reused", ALL) == []


def test_defect_trust_return_says_paid_with_no_money_and_is_found(tmp_path_factory, clean):
    sc = planted(tmp_path_factory, TARGET, "alipay/alipay-balance-not-enough", PEONY_DEFECTS="trust_return")
    assert not sc["passed"] and {c["status"] for c in sc["checkouts"]} == {"paid"}
    assert _captured(sc) == 0
    assert findings(sc, "prompt.status_right", ("critical",)) and findings(sc, "integrity.no_false_success")
    for rule in ("prompt.status_right", "integrity.no_false_success"):
        assert findings(clean["alipay-balance-not-enough"], rule, ALL) == []


def test_defect_notify_unverified_ships_on_a_forged_notification_and_is_found(tmp_path_factory, clean):
    sc = planted(tmp_path_factory, TARGET, "alipay/alipay-notify-forged", PEONY_DEFECTS="notify_unverified")
    assert not sc["passed"] and _captured(sc) == 0
    # a box shipped for each order on the made-up TRADE_SUCCESS, with no money at Alipay
    [found] = findings(sc, "integrity.no_double_fulfilment", ("critical",))
    assert len(found["evidence"]["order_ids"]) == 4, found
    assert findings(clean["alipay-notify-forged"], "integrity.no_double_fulfilment", ALL) == []


def test_an_unknown_defect_is_one_line_and_exit_2():
    proc = subprocess.run([sys.executable, "-m", "tests.shops.peony", "--port", "0"], cwd=ROOT, timeout=60,
                          env={**os.environ, "PEONY_DEFECTS": "bogus"}, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("peony: cannot start: PEONY_DEFECTS: unknown defect(s) bogus; valid: "
                                  "reuse_closed_trade, trust_return, notify_unverified"), proc.stderr


# -- the same scenario on the other Alipay shops: nothing flagged that is not true of them --------------------

def test_lotus_pays_again_through_its_backup_and_is_not_flagged(tmp_path_factory):
    """荷花花坊 (page pay) finds the trade closed and moves the order to WeChat Pay: a new trade, paid once."""
    sc = planted(tmp_path_factory, "tests/shops/lotus/target.yaml", "alipay/alipay-closed-pay-again", LOTUS_DEFECTS="")
    assert sc["passed"] and not sc["inconclusive"] and findings(sc, severities=ALL) == [], sc["findings"]
    again = [c for c in sc["checkouts"] if c["step"] == "checkout#2"]
    assert [c["status"] for c in again] == ["paid"] * 4 and all("sent_onward" not in c.get("sim", []) for c in again)
    backup = ((sc["money_by_currency"].get("backup") or {}).get("cny") or {}).get("captured", 0)
    assert backup == sum(c["amount"] for c in again) and _captured(sc) == 0


def test_plum_a_barcode_shop_is_not_judged_by_it(tmp_path_factory):
    sc = planted(tmp_path_factory, "tests/shops/plum/target-community.yaml", "alipay/alipay-closed-pay-again",
                 PLUM_DEFECTS="")
    assert sc["inconclusive"] and not sc["passed"], sc
    assert any("checkout.flow is server" in p for p in sc["inconclusive"]), sc["inconclusive"]
    assert findings(sc, "retry.closed_trade_not_reused", ALL) == []
