"""The pieces of the browser flows that need no services: what stripe.js's confirm carries, and where
the hosted page's URL is read from (the flows end to end: tests/shops/test_cedar.py, test_birch.py)."""

from __future__ import annotations

from dataclasses import replace

from paychaos.driver import qr
from paychaos.driver.browser import Browser
from paychaos.driver.client_secret import confirm_fields, secret_in
from paychaos.driver.core import Driver
from paychaos.driver.customers import Customer, Payment
from paychaos.driver.redirect import page_url
from paychaos.scenario.model import Action
from paychaos.target import Answer, Call, Outcome, Target

SECRET = "pi_123_secret_abc"


def driver(flow: str, **outcome) -> Driver:
    target = Target(name="t", base_url="http://127.0.0.1:5000", checkout=Call("POST", "/checkout"),
                    outcome=Outcome(status="$.status", **outcome), flow=flow)
    return Driver(target, target.base_url, {"gateway_url": "http://127.0.0.1:6000"})


def test_a_token_is_confirmed_as_payment_method_and_a_raw_card_as_payment_method_data():
    token = Payment("pm_card_visa", "4242424242424242", 12, 2030, "123", "paid")
    fields = confirm_fields(token, "pk_test_x", SECRET, "http://127.0.0.1:5000/_paychaos/return")
    assert fields["payment_method"] == "pm_card_visa" and fields["key"] == "pk_test_x"
    assert fields["client_secret"] == SECRET and "payment_method_data[type]" not in fields
    raw = confirm_fields(replace(token, token=None), "pk_test_x", SECRET, "r")
    assert "payment_method" not in raw and raw["payment_method_data[type]"] == "card"
    assert raw["payment_method_data[card][number]"] == "4242424242424242"
    assert raw["payment_method_data[card][exp_month]"] == "12"


def test_the_client_secret_is_looked_for_where_the_target_says_or_in_the_usual_places():
    assert secret_in(driver("client_secret"), Answer(200, {}, {"client_secret": SECRET})) == SECRET
    assert secret_in(driver("client_secret"), Answer(200, {}, {"clientSecret": SECRET})) == SECRET
    assert secret_in(driver("client_secret", client_secret="$.pi.cs"), Answer(200, {}, {"pi": {"cs": SECRET}})) == SECRET
    assert secret_in(driver("client_secret"), Answer(200, {}, {"clientSecret": "not-a-secret"})) is None


def test_the_hosted_page_url_comes_from_the_location_a_json_url_or_the_targets_path():
    plain = driver("redirect")
    assert page_url(plain, Answer(303, {"Location": "http://127.0.0.1:7000/pay/cs_1"}, None)) == \
        "http://127.0.0.1:7000/pay/cs_1"
    assert page_url(plain, Answer(200, {}, {"url": "http://127.0.0.1:7000/pay/cs_2"})) == "http://127.0.0.1:7000/pay/cs_2"
    assert page_url(plain, Answer(200, {}, {"status": "failed"})) is None
    named = driver("redirect", redirect_url="$.checkout.href")
    assert page_url(named, Answer(200, {}, {"checkout": {"href": "/go"}})) == "http://127.0.0.1:5000/go"


WECHAT_GW, ALIPAY_GW = "http://127.0.0.1:6001", "http://127.0.0.1:6002"


def qr_driver(**outcome) -> Driver:
    target = Target(name="t", base_url="http://127.0.0.1:5000", checkout=Call("POST", "/checkout"),
                    outcome=Outcome(status="$.status", **outcome), flow="qr")
    return Driver(target, target.base_url, {}, gateway_dialects={WECHAT_GW: "wechatpay", ALIPAY_GW: "alipay"})


def test_the_qr_code_is_read_where_the_target_says_or_in_the_usual_places():
    plain = qr_driver()
    assert qr.qr_content(plain, Answer(200, {}, {"code_url": "weixin://wxpay/bizpayurl?pr=a"})) == \
        "weixin://wxpay/bizpayurl?pr=a"
    assert qr.qr_content(plain, Answer(200, {}, {"qr_code": "x"})) == "x"
    assert qr.qr_content(plain, Answer(200, {}, {"status": "failed"})) is None
    named = qr_driver(qr="$.pay.code")
    assert qr.qr_content(named, Answer(200, {}, {"pay": {"code": "c"}, "qr": "other"})) == "c"


def test_wechat_and_alipay_codes_are_recognised_at_this_runs_gateways():
    d = qr_driver()
    assert qr.recognise(d, "weixin://wxpay/bizpayurl?pr=wx123") == \
        (WECHAT_GW + "/pay/wx/bizpayurl?pr=wx123", "wechatpay")
    assert qr.recognise(d, ALIPAY_GW + "/alipay/qr/2026001") == (ALIPAY_GW + "/alipay/qr/2026001", "alipay")
    for code in ("https://qr.alipay.com/bax0123", "weixin://wxpay/bizpayurl?x=1",
                 WECHAT_GW + "/alipay/qr/2026001", "just text"):
        assert isinstance(qr.recognise(d, code), str), code
    no_wechat = Driver(d.target, d.base_url, {}, gateway_dialects={ALIPAY_GW: "alipay"})
    assert "no gateway of this run speaks WeChat Pay" in qr.recognise(no_wechat, "weixin://wxpay/bizpayurl?pr=a")


def _zh_customer(action: Action) -> Customer:
    return Customer(index=0, order_id="o1", amount=500, currency="cny", locale="zh_CN", name="n",
                    email="a@example.com", phone="p", token="pm_card_visa", action=action)


def _shown_a_code_the_phone_cannot_scan(d: Driver, customer: Customer, expected: str, status: str):
    """The shop answers with an Alipay code the driver cannot scan (qr.alipay.com): the result, and the token."""
    token = Payment("pm_card_visa", "4242424242424242", 12, 2030, "123", expected)
    result = d.new_result(customer, token, "checkout", expected)
    browser = Browser({})
    try:
        qr.finish(d, customer, token, result, Answer(200, {}, {"status": status, "qr": "https://qr.alipay.com/b"}),
                  browser)
    finally:
        browser.close()
    return result, token


def test_a_code_the_driver_cannot_scan_is_pending_and_inconclusive_never_paid():
    d = qr_driver()
    customer = _zh_customer(Action.CHECKOUT)
    result, token = _shown_a_code_the_phone_cannot_scan(d, customer, "paid", "paid")
    assert result.status == "pending" and result.raw_status == "qr_shown"
    assert "cannot scan" in result.inconclusive and "qr.alipay.com" in result.inconclusive
    no_code = d.new_result(customer, token, "checkout", "paid")
    qr.finish(d, customer, token, no_code, Answer(503, {}, {"status": "failed"}), Browser({}))
    assert no_code.status == "failed" and no_code.inconclusive is None


def test_qr_walk_away_lets_the_scanned_codes_time_pass_at_its_own_gateway():
    assert qr.expire_path(WECHAT_GW + "/pay/wx/bizpayurl?pr=pc00000001x", "wechatpay") == \
        "/_sim/wechatpay/orders/pc00000001x/expire"
    assert qr.expire_path(ALIPAY_GW + "/alipay/qr/2026001", "alipay") == "/_sim/alipay/trades/2026001/expire"


def test_qr_walk_away_and_pay_late_expect_expired_in_the_qr_flow_only():
    paid = Payment("pm_card_visa", "4242424242424242", 12, 2030, "123", "paid")
    for action in (Action.QR_WALK_AWAY, Action.QR_PAY_LATE):
        customer = _zh_customer(action)
        assert qr_driver().expected_in_flow(customer, paid).expected == "expired"
        assert driver("server").expected_in_flow(customer, paid).expected == "paid"


def test_a_walk_away_customer_with_a_code_the_phone_cannot_scan_is_inconclusive():
    result, _ = _shown_a_code_the_phone_cannot_scan(qr_driver(), _zh_customer(Action.QR_WALK_AWAY), "expired",
                                                    "pending")
    assert result.status == "pending" and "cannot scan" in result.inconclusive
    assert "qr_walked_away" not in result.sim
