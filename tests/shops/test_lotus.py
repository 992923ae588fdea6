"""荷花花坊 (tests/shops/lotus), an Alipay page-pay shop (python-alipay-sdk) with WeChat Pay H5
(wechatpayv3) as backup, through `paychaos run`: the fake Alipay and WeChat Pay, the real proxy, the
driver paying Alipay's cashier page (checkout.flow: redirect) and, when the shop sends it on, WeChat
Pay's H5 page, and the scorer reading both ledgers."""

from __future__ import annotations

import pytest

from tests.shops.shop_runs import findings, paychaos_run

pytest.importorskip("wechatpayv3")
pytest.importorskip("alipay")
pytestmark = pytest.mark.slow

TARGET = "tests/shops/lotus/target.yaml"
CLEAN = ("alipay/alipay-healthy", "alipay/alipay-outage-fallback", "alipay/alipay-answer-lost-fallback",
         "alipay/alipay-balance-not-enough")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, CLEAN, {"LOTUS_DEFECTS": ""})


def _captured(sc: dict, gateway: str) -> int:
    return ((sc["money_by_currency"].get(gateway) or {}).get("cny") or {}).get("captured", 0)


@pytest.mark.parametrize("name", [c.split("/")[1] for c in CLEAN])
def test_clean_shop_passes_with_nothing_serious(clean, name):
    sc = clean[name]
    assert sc["passed"] and not sc["error"] and not sc["inconclusive"], sc
    assert findings(sc) == [], findings(sc)


def test_customers_pay_on_alipays_cashier_and_come_back_paid(clean):
    sc = clean["alipay-healthy"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4
    assert all("付款成功" in c["message"] for c in sc["checkouts"]), [c["message"] for c in sc["checkouts"]]
    assert _captured(sc, "primary") == sum(c["amount"] for c in sc["checkouts"])
    assert _captured(sc, "backup") == 0
    # the browser paid on the cashier page (through the proxy), redirected back with signed parameters
    assert any(t["path"].startswith("/alipay/cashier/") and t["status"] == 302 for t in sc["timeline"])
    notices = [t for t in sc["timeline"] if t["upstream"] == "webhooks" and t["event"] == "TRADE_SUCCESS"]
    assert len(notices) >= 4 and all(t["status"] == 200 for t in notices)


def test_alipay_down_the_order_goes_to_wechat_pay_and_the_money_is_there(clean):
    sc = clean["alipay-outage-fallback"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4, sc["checkouts"]
    assert _captured(sc, "primary") == 0
    assert _captured(sc, "backup") == sum(c["amount"] for c in sc["checkouts"])
    assert any(t["upstream"] == "backup" and t["path"] == "/v3/pay/transactions/h5" for t in sc["timeline"])
    # the bouquets were sent on WeChat Pay's (encrypted) notifications, which the scoring ties to their
    # orders through the gateway's word: fulfilled, and no "fulfilled without a payment webhook"
    assert sc["passed"] and "integrity.fulfilled_on_webhook" not in {f["rule"] for f in sc["findings"]}
    assert sum(t["upstream"] == "webhooks" and t["event"] == "TRANSACTION.SUCCESS" for t in sc["timeline"]) >= 4


def test_an_answer_lost_after_the_money_moved_is_asked_about_and_charged_once(clean):
    sc = clean["alipay-answer-lost-fallback"]
    assert [c["status"] for c in sc["checkouts"]] == ["paid"] * 4, sc["checkouts"]
    assert _captured(sc, "primary") == sum(c["amount"] for c in sc["checkouts"])
    assert _captured(sc, "backup") == 0   # nothing sent on to WeChat Pay
    assert not any("sent_onward" in c.get("sim", []) for c in sc["checkouts"])


def test_a_refused_buyer_reads_alipays_words_and_the_shops_in_chinese(clean):
    sc = clean["alipay-balance-not-enough"]
    for c in sc["checkouts"]:
        assert c["status"] == "failed" and "余额不足" in c["message"] and "微信支付" in c["message"], c
    assert sc["money_by_currency"]["primary"] == {} and sc["money_by_currency"]["backup"] == {}


def test_without_a_backup_the_fallback_scenarios_are_inconclusive(tmp_path_factory):
    runs = paychaos_run(tmp_path_factory, "tests/shops/plum/target-community.yaml",
                        ("alipay/alipay-outage-fallback", "alipay/alipay-answer-lost-fallback"), {})
    for sc in runs.values():
        assert sc["inconclusive"] and not sc["passed"], sc
        assert any("requires a backup gateway" in p for p in sc["inconclusive"]), sc["inconclusive"]
        assert sc["findings"] == []   # no rule judges a fallback the shop cannot have


def test_defect_double_gateway_charges_at_both_gateways_and_is_found(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("alipay/alipay-answer-lost-fallback",),
                      {"LOTUS_DEFECTS": "double_gateway"})["alipay-answer-lost-fallback"]
    assert not sc["passed"]
    assert all("sent_onward" in c.get("sim", []) for c in sc["checkouts"]), sc["checkouts"]
    assert _captured(sc, "primary") > 0 and _captured(sc, "backup") > 0   # the same orders, paid twice
    assert findings(sc, "integrity.no_double_charge", ("critical",)), sc["findings"]


def test_defect_trust_return_says_paid_with_no_money_and_is_found(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("alipay/alipay-balance-not-enough",),
                      {"LOTUS_DEFECTS": "trust_return"})["alipay-balance-not-enough"]
    assert not sc["passed"]
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}
    assert sc["money_by_currency"]["primary"] == {}
    assert findings(sc, "prompt.status_right") and findings(sc, "integrity.no_false_success"), sc["findings"]
