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
SCENARIOS = ("wechatpay/wechatpay-healthy", "wechatpay/wechatpay-outage", "wechatpay/wechatpay-notenough")


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
