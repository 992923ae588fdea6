"""梅子茶铺 (tests/shops/plum), an Alipay shop written on each Python SDK, through `paychaos run`: the fake
Alipay gateway, the real proxy (notifications through its webhooks listener), and the scorer.

The clean shop passes the dialect's built-in scenarios with no finding of any weight, on both SDKs; each
planted defect fails the scenario made for it, in the rule that names the harm."""

from __future__ import annotations

import pytest

from tests.shops.shop_runs import findings, paychaos_run

pytest.importorskip("alipay")
pytestmark = pytest.mark.slow

TARGETS = {"official": "tests/shops/plum/target-official.yaml",
           "community": "tests/shops/plum/target-community.yaml"}
SCENARIOS = ("alipay-healthy", "alipay-balance-not-enough", "alipay-buyer-frozen", "alipay-system-error",
             "alipay-frequency-limited", "alipay-answer-lost", "alipay-trade-not-exist", "alipay-notify-forged",
             "alipay-notify-duplicate-late", "alipay-response-lost", "alipay-trade-closed", "alipay-sign-error",
             "alipay-answer-forged", "alipay-double-submit", "alipay-outage", "alipay-notify-unsigned")
ALL = ("minor", "major", "critical")


@pytest.fixture(scope="module", params=sorted(TARGETS))
def clean(request, tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGETS[request.param], tuple(f"alipay/{s}" for s in SCENARIOS),
                        {"PLUM_DEFECTS": ""})


@pytest.mark.parametrize("name", SCENARIOS)
def test_clean_shop_passes_every_alipay_scenario(clean, name):
    sc = clean[name]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc, severities=ALL) == [], findings(sc, severities=ALL)


def _notifications(sc):
    return [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRADE_SUCCESS"]


def test_healthy_orders_are_paid_and_settled_by_signed_notifications(clean):
    sc = clean["alipay-healthy"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    assert all("支付成功" in c["message"] for c in sc["checkouts"])
    assert sc["money_by_currency"]["primary"]["cny"]["captured"] == sum(c["amount"] for c in sc["checkouts"])
    notices = _notifications(sc)   # each signed notification reached the shop through the proxy, acknowledged
    assert len(notices) == 4 and all(t["status"] == 200 for t in notices), notices


def test_buyer_failures_are_told_in_chinese_with_another_method_and_charge_nothing(clean):
    for name, words in (("alipay-balance-not-enough", "余额不足"), ("alipay-buyer-frozen", "冻结")):
        for c in clean[name]["checkouts"]:
            assert c["status"] == "failed" and words in c["message"] and "其他支付方式" in c["message"], c
        assert clean[name]["money_by_currency"]["primary"] == {}


def test_unsure_answers_are_followed_up_and_charge_once(clean):
    for name in ("alipay-system-error", "alipay-frequency-limited", "alipay-answer-lost", "alipay-trade-not-exist",
                 "alipay-response-lost", "alipay-outage", "alipay-double-submit"):
        sc = clean[name]
        told = [c["status"] for c in sc["checkouts"]]
        assert told == ["paid"] * (8 if name == "alipay-double-submit" else 4), (name, told)   # 2 clicks each
        money = sc["money_by_currency"]["primary"]["cny"]
        amounts = {c["order_id"]: c["amount"] for c in sc["checkouts"]}
        assert money["captured"] == sum(amounts.values()), (name, money)   # each order charged once


def test_forged_notifications_reach_the_shop_and_are_refused(clean):
    sc = clean["alipay-notify-forged"]
    forged = _notifications(sc)
    assert len(forged) == 4 and all(t["status"] == 400 for t in forged), forged
    assert [c["status"] for c in sc["checkouts"]] == ["failed"] * 4


def test_unsigned_notifications_reach_the_shop_and_are_refused(clean):
    sc = clean["alipay-notify-unsigned"]
    unsigned = _notifications(sc)
    assert len(unsigned) == 4 and all(t["status"] == 400 for t in unsigned), unsigned
    assert [c["status"] for c in sc["checkouts"]] == ["failed"] * 4


def _pay_answers(sc):
    return [t["outcome"] for t in sc["timeline"] if t["upstream"] == "primary" and t["path"] == "/gateway.do"]


def test_a_closed_trade_is_told_closed_with_a_way_to_order_again_and_charges_nothing(clean):
    sc = clean["alipay-trade-closed"]
    assert "10003" in _pay_answers(sc) and "TRADE_CLOSED" in _pay_answers(sc)   # the trade closed unpaid
    closed = [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRADE_CLOSED"]
    assert closed and all(t["status"] == 200 for t in closed), closed   # its notification acknowledged
    for c in sc["checkouts"]:
        assert c["status"] == "failed" and "订单已关闭" in c["message"] and "重新下单" in c["message"], c
    assert sc["money_by_currency"]["primary"] == {}


def test_a_signature_error_is_not_retried_and_is_told_as_unavailable(clean):
    sc = clean["alipay-sign-error"]
    assert _pay_answers(sc) == ["40002"] * 4   # one pay call per order: another try would be refused the same
    for c in sc["checkouts"]:
        assert c["status"] == "failed" and "暂时不可用" in c["message"] and "其他支付方式" in c["message"], c


def test_an_answer_not_signed_by_alipay_is_not_believed(clean):
    sc = clean["alipay-answer-forged"]
    assert "10000" in _pay_answers(sc)   # the made-up "paid" reached the shop
    assert [c["status"] for c in sc["checkouts"]] == ["failed"] * 4
    assert all("余额不足" in c["message"] for c in sc["checkouts"])
    assert sc["money_by_currency"]["primary"] == {}


@pytest.mark.parametrize("sdk", sorted(TARGETS))
@pytest.mark.parametrize("defect, scenario, rule", [
    ("notify_unverified", "alipay-notify-forged", "integrity.no_false_success"),
    ("not_exist_unpaid", "alipay-trade-not-exist", "prompt.status_right"),
    ("new_out_trade_no", "alipay-answer-lost", "integrity.no_double_charge"),
    ("answer_unverified", "alipay-answer-forged", "integrity.no_false_success"),
])
def test_each_planted_defect_is_found(tmp_path_factory, sdk, defect, scenario, rule):
    sc = paychaos_run(tmp_path_factory, TARGETS[sdk], (f"alipay/{scenario}",), {"PLUM_DEFECTS": defect})[scenario]
    assert not sc["passed"], sc["score"]
    assert findings(sc, rule, severities=("critical",)), sc["findings"]
    if defect not in ("notify_unverified", "answer_unverified"):   # the money moved while the customer was told "failed"
        told = [c["status"] for c in sc["checkouts"]]
        assert "failed" in told and sc["money_by_currency"]["primary"]["cny"]["captured"] > 0, told


# -- two gateways in two dialects: Stripe primary, Alipay backup (target-stripe-alipay.yaml) ------------------

CROSS = "tests/shops/plum/target-stripe-alipay.yaml"


def test_cross_gateway_fallback_pays_through_alipay_and_a_lost_stripe_answer_charges_once(tmp_path_factory):
    run = paychaos_run(tmp_path_factory, CROSS, ("gateway-outage-full", "response-lost"), {"PLUM_DEFECTS": ""})
    outage, lost = run["gateway-outage-full"], run["response-lost"]
    for sc in (outage, lost):
        assert sc["passed"] and findings(sc) == [], sc["findings"]
        assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    total = sum(c["amount"] for c in outage["checkouts"])
    assert outage["money_by_currency"] == {"primary": {}, "backup": {"cny": {"captured": total, "refunded": 0,
                                                                            "net": total}}}
    assert lost["money_by_currency"]["backup"] == {}   # Stripe's retry with the same key found the charge


def test_cross_gateway_double_charge_is_found(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, CROSS, ("response-lost",), {"PLUM_DEFECTS": "blind_fallback"})["response-lost"]
    assert not sc["passed"]
    money = sc["money_by_currency"]
    assert money["primary"]["cny"]["captured"] > 0 and money["backup"]["cny"]["captured"] > 0, money
    assert findings(sc, "integrity.no_double_charge", severities=("critical",)), sc["findings"]
