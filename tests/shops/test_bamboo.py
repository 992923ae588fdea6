"""竹林面馆 (tests/shops/bamboo), a QR-code shop on the official WeChat Pay v3 SDK (Native) with Alipay
precreate (python-alipay-sdk) as backup, through `paychaos run`: the fake gateways, the real proxy, the
driver's phone scanning the QR code (checkout.flow: qr, docs/flows/qr.md), and the scorer."""

from __future__ import annotations

import pytest

from tests.shops.shop_runs import findings, paychaos_run

pytest.importorskip("wechatpayv3")
pytest.importorskip("alipay")
pytestmark = pytest.mark.slow

TARGET = "tests/shops/bamboo/target.yaml"
TARGET_ALIPAY = "tests/shops/bamboo/target-alipay.yaml"   # the same shop with Alipay first
SCENARIOS = ("wechatpay/wechatpay-healthy", "wechatpay/wechatpay-outage", "wechatpay/wechatpay-notenough",
             "wechatpay/wechatpay-qr-walk-away", "wechatpay/wechatpay-qr-expired")
QR_EXPIRY = ("wechatpay/wechatpay-qr-walk-away", "wechatpay/wechatpay-qr-expired")
EXPIRED_WORDS = "二维码已过期"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, SCENARIOS, {})


def test_healthy_customers_scan_the_wechat_code_and_pay(runs):
    sc = runs["wechatpay-healthy"]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc) == [], findings(sc)
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    assert all("付款成功" in c["message"] for c in sc["checkouts"]), [c["message"] for c in sc["checkouts"]]
    captured = sc["money_by_currency"]["primary"]["cny"]["captured"]
    assert captured == sum(c["amount"] for c in sc["checkouts"])
    # the phone's scan and payment went through the proxy to WeChat's pay page
    assert any(t["path"].startswith("/pay/wx/bizpayurl") for t in sc["timeline"]), sc["timeline"]


def test_wechat_outage_falls_back_to_an_alipay_code_and_the_money_is_at_alipay(runs):
    sc = runs["wechatpay-outage"]
    assert not sc["error"] and not sc["inconclusive"], sc
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4, sc["checkouts"]
    money = sc["money_by_currency"]
    at_alipay = (money.get("backup") or {}).get("cny", {}).get("captured", 0)
    at_wechat = (money.get("primary") or {}).get("cny", {}).get("captured", 0)
    assert at_alipay > 0 and at_wechat > 0, money   # two orders fell back, two did not
    assert at_alipay + at_wechat == sum(c["amount"] for c in sc["checkouts"])
    assert any(t["path"].startswith("/alipay/") for t in sc["timeline"]), sc["timeline"]


def test_a_failed_scan_is_told_in_chinese_with_another_way_to_pay(runs):
    sc = runs["wechatpay-notenough"]
    assert not sc["error"] and not sc["inconclusive"], sc
    for c in sc["checkouts"]:
        assert c["status"] == "failed" and "余额不足" in c["message"], c
    assert sc["money_by_currency"]["primary"] == {}


def test_defect_paid_on_qr_is_found_when_the_scan_fails(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("wechatpay/wechatpay-notenough",),
                      {"BAMBOO_DEFECTS": "paid_on_qr"})["wechatpay-notenough"]
    assert not sc["passed"]
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}   # told paid, and no money anywhere
    assert sc["money_by_currency"]["primary"] == {}
    assert findings(sc, "integrity.no_false_success") and findings(sc, "prompt.status_right"), sc["findings"]


# -- the QR flow's own failure causes: customers who walk away, codes that expire (docs/flows/qr.md) ----

def _walked_away(sc: dict) -> list[dict]:
    return [c for c in sc["checkouts"] if "qr_walked_away" in c["sim"]]


def test_a_customer_who_walks_away_is_told_the_code_expired_and_nothing_is_charged(runs):
    sc = runs["wechatpay-qr-walk-away"]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc) == [], findings(sc)
    walked = _walked_away(sc)
    assert len(walked) == len(sc["checkouts"]) == 3
    for c in walked:   # WeChat Pay closed the order at its time_expire; the shop read it and said so
        assert "qr_expired" in c["sim"] and c["status"] == "failed" and EXPIRED_WORDS in c["message"], c
    assert sc["money_by_currency"]["primary"] == {}


def test_a_late_payment_after_the_code_expired_is_refused_and_nothing_is_charged(runs):
    sc = runs["wechatpay-qr-expired"]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc) == [], findings(sc)
    for c in _walked_away(sc):
        assert "qr_late_refused" in c["sim"] and c["status"] == "failed" and EXPIRED_WORDS in c["message"], c
    assert sc["money_by_currency"]["primary"] == {}


def test_alipay_first_codes_expire_are_notified_closed_and_late_payments_refused(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET_ALIPAY, ("alipay/alipay-qr-expired",), {})["alipay-qr-expired"]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc) == [], findings(sc)
    walked = _walked_away(sc)
    assert len(walked) == 4 and all("qr_expired" in c["sim"] and EXPIRED_WORDS in c["message"] for c in walked)
    assert sum("qr_late_refused" in c["sim"] for c in walked) == 2
    assert any(t.get("event") == "TRADE_CLOSED" for t in sc["timeline"]), sc["timeline"]   # Alipay notified
    assert sc["money_by_currency"]["primary"] == {}


def test_defect_never_close_lets_a_late_scan_charge_a_cancelled_order(tmp_path_factory):
    """The shop's own deadline (1 s here) cancels the order but leaves its code open: the late customer
    pays a cancelled order and the money stays."""
    got = paychaos_run(tmp_path_factory, TARGET, QR_EXPIRY, {"BAMBOO_DEFECTS": "never_close", "BAMBOO_QR_TTL_S": "1"})
    late = got["wechatpay-qr-expired"]
    assert not late["passed"] and not late["inconclusive"], late
    assert all("qr_paid_late" in c["sim"] for c in _walked_away(late)), late["checkouts"]
    assert late["money_by_currency"]["primary"]["cny"]["net"] > 0
    [kept] = [f for f in findings(late, "integrity.qr_expired_closed") if f["severity"] == "critical"]
    assert "late scan" in kept["message"]
    assert findings(late, "integrity.no_orphan_charge"), late["findings"]
    walk = got["wechatpay-qr-walk-away"]
    assert not walk["passed"] and not walk["inconclusive"], walk
    [payable] = findings(walk, "integrity.qr_expired_closed")
    assert payable["severity"] == "major" and "stayed payable" in payable["message"]
