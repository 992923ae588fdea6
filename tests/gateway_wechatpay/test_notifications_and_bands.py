"""Notifications (encrypted, signed, retried until acknowledged) and the test amounts' failure causes,
seen through the official SDK: wechatpayv3's callback() decrypts and verifies what the fake sends."""

from __future__ import annotations

import json

from wechatpayv3 import WeChatPayType

from paychaos.gateway.wechatpay.testing import customer_pays, get_ledger, notify_log

from .conftest import make_client


def _json(answer):
    code, text = answer
    return code, (json.loads(text) if text else None)


def _place(wx, no, total, url):
    return _json(wx.pay(description="灯笼", out_trade_no=no, amount={"total": total}, notify_url=url,
                        attach=f"order-{no}"))


def test_notification_is_encrypted_signed_and_retried_until_success(wechat, wx, receiver):
    receiver.answers = [(200, '{"code": "FAIL", "message": "失败"}'), (500, ""), (200, '{"code": "SUCCESS"}')]
    _place(wx, "N-1001", 1500, receiver.url)
    customer_pays(wechat.url, out_trade_no="N-1001")
    got = receiver.wait_for(3)
    assert len(got) == 3
    assert {g["body"]["id"] for g in got} == {got[0]["body"]["id"]}   # one notification, three attempts
    checked = got[-1]["checked"]
    assert checked["event_type"] == "TRANSACTION.SUCCESS"
    assert checked["resource"]["out_trade_no"] == "N-1001" and checked["resource"]["trade_state"] == "SUCCESS"
    assert checked["resource"]["attach"] == "order-N-1001"
    assert got[0]["body"]["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    assert "N-1001" not in json.dumps(got[0]["body"])   # the transaction travels encrypted only
    log = notify_log(wechat.url)
    assert log["delivered"] == 1 and log["failed_attempts"] == 2 and log["pending"] == 0


def test_refund_notification(wechat, wx, receiver):
    _place(wx, "N-1002", 900, receiver.url)
    customer_pays(wechat.url, out_trade_no="N-1002")
    wx.refund(out_refund_no="RF-1002", amount={"refund": 900, "total": 900, "currency": "CNY"},
              out_trade_no="N-1002", notify_url=receiver.url)
    got = receiver.wait_for(2)
    kinds = sorted(g["checked"]["event_type"] for g in got)
    assert kinds == ["REFUND.SUCCESS", "TRANSACTION.SUCCESS"]
    refund = next(g for g in got if g["checked"]["event_type"] == "REFUND.SUCCESS")["checked"]["resource"]
    assert refund["refund_status"] == "SUCCESS" and refund["amount"]["refund"] == 900


def test_band_system_error_then_a_retry_with_the_same_out_trade_no_succeeds(wx, receiver):
    code, body = _place(wx, "N-1101", 900150, receiver.url)
    assert code == 500 and body["code"] == "SYSTEM_ERROR"
    code, body = _place(wx, "N-1101", 900150, receiver.url)
    assert code == 200 and "code_url" in body


def test_band_frequency_limited_and_sign_error(wx, receiver):
    code, body = _place(wx, "N-1201", 900201, receiver.url)
    assert code == 429 and body["code"] == "FREQUENCY_LIMITED"
    assert _place(wx, "N-1201", 900201, receiver.url)[0] == 200
    for _ in range(2):
        code, body = _place(wx, "N-1301", 900301, receiver.url)
        assert code == 401 and body["code"] == "SIGN_ERROR"


def test_band_notenough_and_frozen_fail_the_payment_without_notification(wechat, wx, receiver):
    _place(wx, "N-1401", 900401, receiver.url)
    paid = customer_pays(wechat.url, out_trade_no="N-1401")
    assert paid["paid"] is False and paid["message"] == "余额不足"
    _, body = _json(wx.query(out_trade_no="N-1401"))
    assert body["trade_state"] == "PAYERROR" and body["trade_state_desc"] == "余额不足"
    _place(wx, "N-1501", 900555, receiver.url)
    assert "冻结" in customer_pays(wechat.url, out_trade_no="N-1501")["message"]
    assert get_ledger(wechat.url)["money"]["currency_totals"] == {}
    assert notify_log(wechat.url)["log"] == []


def test_band_order_not_exist_while_paid(wechat, wx, receiver):
    _place(wx, "N-1601", 900600, receiver.url)
    customer_pays(wechat.url, out_trade_no="N-1601")
    for _ in range(2):
        code, body = _json(wx.query(out_trade_no="N-1601"))
        assert code == 404 and body["code"] == "ORDER_NOT_EXIST"
    code, body = _json(wx.query(out_trade_no="N-1601"))
    assert code == 200 and body["trade_state"] == "SUCCESS"
    assert get_ledger(wechat.url)["money"]["by_intent"]["N-1601"]["captured"] == 900600


def test_band_duplicate_and_late_notifications(wechat, wx, receiver):
    _place(wx, "N-1701", 900700, receiver.url)
    customer_pays(wechat.url, out_trade_no="N-1701")
    got = receiver.wait_for(2)
    assert len(got) == 2 and got[0]["body"]["id"] == got[1]["body"]["id"]
    _place(wx, "N-1801", 900800, receiver.url)
    customer_pays(wechat.url, out_trade_no="N-1801")
    assert len(receiver.wait_for(3)) == 3
    late = notify_log(wechat.url)["log"][-1]
    assert late["ok"] and late["type"] == "TRANSACTION.SUCCESS"


def test_band_unsigned_and_forged_notifications_fail_the_sdk_check(wechat, wx, receiver):
    _place(wx, "N-1901", 900901, receiver.url)
    assert customer_pays(wechat.url, out_trade_no="N-1901")["paid"] is False
    _place(wx, "N-2001", 901001, receiver.url)
    assert customer_pays(wechat.url, out_trade_no="N-2001")["paid"] is False
    got = receiver.wait_for(2)
    assert len(got) == 2
    unsigned = next(g for g in got if "Wechatpay-Signature" not in g["headers"])
    forged = next(g for g in got if "Wechatpay-Signature" in g["headers"])
    assert str(unsigned["checked"]).startswith("refused")   # the SDK raises: no signature type
    assert forged["checked"] is None                         # the SDK's verify fails
    assert get_ledger(wechat.url)["money"]["currency_totals"] == {}   # nothing was paid


def test_band_refund_answer_lost_after_the_money_moved(wechat, wx, receiver):
    _place(wx, "N-2101", 901100, receiver.url)
    customer_pays(wechat.url, out_trade_no="N-2101")
    args = {"out_refund_no": "RF-2101", "amount": {"refund": 901100, "total": 901100, "currency": "CNY"},
            "out_trade_no": "N-2101"}
    code, body = _json(wx.refund(**args))
    assert code == 500 and body["code"] == "SYSTEM_ERROR"
    assert get_ledger(wechat.url)["money"]["by_intent"]["N-2101"]["refunded"] == 901100   # it went through
    code, body = _json(wx.refund(**args))   # the same out_refund_no: the refund made, not a second one
    assert code == 200 and body["status"] == "SUCCESS"
    assert get_ledger(wechat.url)["money"]["by_intent"]["N-2101"]["refunded"] == 901100


def test_h5_page_pays_and_sends_the_customer_back(wechat, receiver):
    import requests
    wx = make_client(wechat, pay_type=WeChatPayType.H5, notify_url=receiver.url)
    _, body = _json(wx.pay(description="灯笼", out_trade_no="H-2201", amount={"total": 4900},
                           scene_info={"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}}))
    page = body["h5_url"] + "&redirect_url=" + requests.utils.quote("http://127.0.0.1:9/back?o=H-2201", safe="")
    shown = requests.get(page, timeout=10)
    assert shown.status_code == 200 and "¥49.00" in shown.text and "确认支付" in shown.text
    done = requests.post(page, data={"action": "pay"}, allow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["Location"] == "http://127.0.0.1:9/back?o=H-2201"
    assert receiver.wait_for(1)[0]["checked"]["resource"]["trade_state"] == "SUCCESS"
    elsewhere = body["h5_url"] + "&redirect_url=https%3A%2F%2Fevil.example%2F"
    assert requests.get(elsewhere, timeout=10).status_code == 400


def test_band_order_closed_closes_the_order_as_the_customer_pays_and_ordering_again_is_orderclosed(wechat, wx,
                                                                                                  receiver):
    _place(wx, "N-1601", 901350, receiver.url)
    paid = customer_pays(wechat.url, out_trade_no="N-1601")
    assert paid["paid"] is False and paid["message"] == "订单已关闭"
    _, body = _json(wx.query(out_trade_no="N-1601"))
    assert body["trade_state"] == "CLOSED"
    code, body = _place(wx, "N-1601", 901350, receiver.url)
    assert code == 400 and body["code"] == "ORDERCLOSED"
    assert get_ledger(wechat.url)["money"]["currency_totals"] == {}
    assert notify_log(wechat.url)["log"] == []
