"""翠玉茶庄 (tests/shops/jade), a shop written with the official WeChat Pay v3 SDK, through `paychaos run`:
the fake WeChat Pay gateway, the real proxy, the driver paying WeChat's H5 page, and the scorer.

The clean shop passes the dialect's built-in scenarios with no major or critical finding; each planted
defect fails the scenario made for it, in the rule that names the harm."""

from __future__ import annotations

import pytest

from tests.shops.shop_runs import findings, paychaos_run

pytest.importorskip("wechatpayv3")
pytestmark = pytest.mark.slow

TARGET = "tests/shops/jade/target.yaml"
CLEAN = ("wechatpay/wechatpay-healthy", "wechatpay/wechatpay-notenough", "wechatpay/wechatpay-account-frozen",
         "wechatpay/wechatpay-order-not-exist", "wechatpay/wechatpay-notify-forged",
         "wechatpay/wechatpay-system-error", "wechatpay/wechatpay-double-submit",
         "wechatpay/wechatpay-refund-answer-lost", "wechatpay/wechatpay-notify-forged-proxy",
         "wechatpay/wechatpay-orderpaid", "wechatpay/wechatpay-order-closed")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, CLEAN, {"JADE_DEFECTS": ""})


@pytest.mark.parametrize("name", [c.split("/")[1] for c in CLEAN])
def test_clean_shop_passes_with_nothing_serious(clean, name):
    sc = clean[name]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc) == [], findings(sc)


def test_healthy_orders_are_paid_and_the_money_is_in_the_ledger(clean):
    sc = clean["wechatpay-healthy"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    assert all("支付成功" in c["message"] for c in sc["checkouts"])
    captured = sc["money_by_currency"]["primary"]["cny"]["captured"]
    assert captured == sum(c["amount"] for c in sc["checkouts"])
    # each payment's signed, encrypted notification reached the shop through the proxy and was acknowledged
    notices = [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRANSACTION.SUCCESS"]
    assert len(notices) >= 4 and all(t["status"] == 200 for t in notices)


def test_failure_causes_are_told_in_chinese_with_another_method(clean):
    for name, words in (("wechatpay-notenough", "余额不足"), ("wechatpay-account-frozen", "冻结")):
        for c in clean[name]["checkouts"]:
            assert c["status"] == "failed" and words in c["message"] and "其他支付方式" in c["message"], c
        assert clean[name]["money_by_currency"]["primary"] == {}


def test_refunds_whose_answer_was_lost_are_made_once(clean):
    sc = clean["wechatpay-refund-answer-lost"]
    assert [c["status"] for c in sc["checkouts"] if c["step"] == "cancel"] == ["refunded"] * 4
    money = sc["money_by_currency"]["primary"]["cny"]
    assert money["captured"] == money["refunded"] > 0 and money["net"] == 0


def test_orderpaid_is_met_and_the_customer_told_paid(clean):
    sc = clean["wechatpay-orderpaid"]
    assert any(t["path"] == "/v3/pay/transactions/h5" and t["status"] == 400 for t in sc["timeline"])
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}


def test_a_closed_order_is_told_closed_with_a_way_to_order_again_and_charges_nothing(clean):
    sc = clean["wechatpay-order-closed"]
    for c in sc["checkouts"]:
        assert c["status"] == "failed" and "订单已关闭" in c["message"] and "重新下单" in c["message"], c
    assert sc["money_by_currency"]["primary"] == {}


def test_defect_notify_unverified_is_found(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("wechatpay/wechatpay-notify-forged",),
                      {"JADE_DEFECTS": "notify_unverified"})["wechatpay-notify-forged"]
    assert not sc["passed"]
    assert findings(sc, "integrity.no_false_success"), sc["findings"]


def test_defect_notify_unverified_is_found_by_the_proxys_forgeries(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("wechatpay/wechatpay-notify-forged-proxy",),
                      {"JADE_DEFECTS": "notify_unverified"})["wechatpay-notify-forged-proxy"]
    assert not sc["passed"]
    assert findings(sc, "integrity.rejects_forged_webhooks"), sc["findings"]


def test_defect_not_exist_unpaid_is_found(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("wechatpay/wechatpay-order-not-exist",),
                      {"JADE_DEFECTS": "not_exist_unpaid"})["wechatpay-order-not-exist"]
    assert not sc["passed"]
    told_failed = [c for c in sc["checkouts"] if c["status"] == "failed"]
    assert told_failed and sc["money_by_currency"]["primary"]["cny"]["captured"] > 0
    assert findings(sc), sc["findings"]


def test_defect_new_out_trade_no_is_found(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("wechatpay/wechatpay-double-submit",),
                      {"JADE_DEFECTS": "new_out_trade_no"})["wechatpay-double-submit"]
    assert not sc["passed"]
    assert findings(sc, "integrity.no_double_charge"), sc["findings"]
