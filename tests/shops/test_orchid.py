"""兰心手机馆 (tests/shops/orchid), a phone-web shop whose only way to pay is WeChat Pay H5 (wechatpayv3), through
`paychaos run`: the fake WeChat Pay, the real proxy, the driver paying WeChat's H5 page as the customer's phone
(checkout.flow: redirect) and coming back to the shop, and the scorer.

The clean shop passes the WeChat Pay set of its flow with no finding of any weight, and the two QR-only
scenarios are inconclusive on it with none; each planted defect is found by the rule that names its harm."""

from __future__ import annotations

import pytest

from tests.shops.shop_runs import findings, paychaos_run, planted

pytest.importorskip("wechatpayv3")
pytestmark = pytest.mark.slow

TARGET = "tests/shops/orchid/target.yaml"
# `paychaos run --target tests/shops/orchid/target.yaml wechatpay`: the set for a redirect-flow shop
CLEAN = ("wechatpay-account-frozen", "wechatpay-double-submit", "wechatpay-frequency-limited", "wechatpay-healthy",
         "wechatpay-notenough", "wechatpay-notify-duplicate-late", "wechatpay-notify-forged-proxy",
         "wechatpay-notify-forged", "wechatpay-order-closed", "wechatpay-order-not-exist", "wechatpay-orderpaid",
         "wechatpay-outage", "wechatpay-refund-answer-lost", "wechatpay-sign-error", "wechatpay-system-error")
QR_ONLY = ("wechatpay-qr-expired", "wechatpay-qr-walk-away")   # the set leaves them out of a redirect shop
ALL = ("minor", "major", "critical")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, tuple(f"wechatpay/{s}" for s in CLEAN + QR_ONLY),
                        {"ORCHID_DEFECTS": ""})


def _money(sc: dict) -> dict:
    return (sc["money_by_currency"].get("primary") or {}).get("cny") or {}


def _notices(sc: dict) -> list[dict]:
    return [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRANSACTION.SUCCESS"]


@pytest.mark.parametrize("name", CLEAN)
def test_clean_shop_passes_with_no_finding(clean, name):
    sc = clean[name]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc, severities=ALL) == [], findings(sc, severities=ALL)


@pytest.mark.parametrize("name", QR_ONLY)
def test_qr_only_scenarios_are_inconclusive_with_no_finding(clean, name):
    sc = clean[name]
    assert not sc["passed"] and any("they need the qr flow" in p for p in sc["inconclusive"]), sc["inconclusive"]
    assert sc["findings"] == []   # the phones paid on the H5 page as ordinary customers: nothing judged


def test_phones_pay_on_the_h5_page_come_back_and_the_shop_asks_wechat_pay(clean):
    sc = clean["wechatpay-healthy"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    assert all("支付成功" in c["message"] and c["raw_status"] == "已支付" for c in sc["checkouts"])
    assert _money(sc)["captured"] == sum(c["amount"] for c in sc["checkouts"])
    calls = [t for t in sc["timeline"] if t["upstream"] == "primary"]
    assert sum(t["path"] == "/v3/pay/transactions/h5" and t["status"] == 200 for t in calls) == 4
    # the shop's own out_trade_no (LX<MMDD>-<seq>-<try>), queried when the phone came back before the
    # notification (which of the two is first is a race: a phone back after it is answered from the record);
    # never believing the return page itself: test_defect_trust_return_says_paid_with_no_money_and_is_found
    queries = [t for t in calls if t["path"].startswith("/v3/pay/transactions/out-trade-no/LX")]
    assert all(t["path"].split("?")[0].endswith("-1") for t in queries), queries
    notices = _notices(sc)
    assert len(notices) == 4 and all(t["status"] == 200 for t in notices), notices


def test_a_refused_payment_is_told_in_chinese_with_other_ways_and_charges_nothing(clean):
    for name, words in (("wechatpay-notenough", "余额不足"), ("wechatpay-account-frozen", "冻结"),
                        ("wechatpay-order-closed", "订单已关闭"), ("wechatpay-sign-error", "暂时无法使用")):
        for c in clean[name]["checkouts"]:
            assert c["status"] == "failed" and words in c["message"] and "其他支付方式" in c["message"], (name, c)
            assert c["alternatives"], c
        assert _money(clean[name]) == {}, name


def test_a_key_mix_up_is_not_retried(clean):
    calls = [t for t in clean["wechatpay-sign-error"]["timeline"] if t["upstream"] == "primary"]
    assert [t["status"] for t in calls] == [401] * 4   # one order call per order, no page, no query


def test_forged_notifications_reach_the_shop_and_are_refused(clean):
    sc = clean["wechatpay-notify-forged"]
    assert _notices(sc) and all(t["status"] == 400 for t in _notices(sc))
    sc = clean["wechatpay-notify-forged-proxy"]
    assert sorted({t["status"] for t in _notices(sc)}) == [200, 400]
    assert sum(t["status"] == 200 for t in _notices(sc)) == 4   # only the genuine ones taken


def test_refunds_whose_answer_was_lost_are_made_once(clean):
    sc = clean["wechatpay-refund-answer-lost"]
    assert [c["status"] for c in sc["checkouts"] if c["step"] == "cancel"] == ["refunded"] * 4
    assert _money(sc)["captured"] == _money(sc)["refunded"] > 0 and _money(sc)["net"] == 0


def test_defect_trust_return_says_paid_with_no_money_and_is_found(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "wechatpay/wechatpay-notenough", ORCHID_DEFECTS="trust_return")
    assert not sc["passed"] and {c["status"] for c in sc["checkouts"]} == {"paid"}
    assert _money(sc) == {}
    assert findings(sc, "prompt.status_right", ("critical",)), sc["findings"]
    assert findings(sc, "integrity.no_false_success", ("critical",)), sc["findings"]


def test_defect_notify_unverified_ships_on_a_forged_notification_and_is_found(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "wechatpay/wechatpay-notify-forged", ORCHID_DEFECTS="notify_unverified")
    assert not sc["passed"] and _money(sc) == {}
    assert findings(sc, "integrity.no_false_success", ("critical",)), sc["findings"]
    assert findings(sc, "integrity.no_double_fulfilment", ("critical",)), sc["findings"]   # parcels sent unpaid


def test_defect_notify_unverified_is_found_by_the_proxys_forgeries(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "wechatpay/wechatpay-notify-forged-proxy",
                 ORCHID_DEFECTS="notify_unverified")
    assert not sc["passed"]
    assert findings(sc, "integrity.rejects_forged_webhooks"), sc["findings"]
