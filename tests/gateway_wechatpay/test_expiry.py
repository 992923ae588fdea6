"""An unpaid order's time_expire, honoured by the fake WeChat Pay through the official SDK: the order
closes (CLOSED, no notification), paying it fails, ordering it again is ORDERCLOSED; the merchant's
time_expire is checked; paychaos's /_sim lets an order's time pass instead of waiting for it."""

from __future__ import annotations

import datetime
import json
import time

import requests

from paychaos.gateway.wechatpay.state import expire_if_due
from paychaos.gateway.wechatpay.testing import _call, customer_pays

CST = datetime.timezone(datetime.timedelta(hours=8))


def _rfc3339(seconds_from_now: float) -> str:
    return datetime.datetime.fromtimestamp(time.time() + seconds_from_now, CST).isoformat(timespec="seconds")


def _place(wx, no, url, **more):
    code, text = wx.pay(description="竹林面馆", out_trade_no=no, amount={"total": 1800}, notify_url=url, **more)
    return code, json.loads(text) if text else None


def _expire(wechat, key):
    return _call(wechat.url + f"/_sim/wechatpay/orders/{key}/expire", "POST", {})


def _query(wx, no):
    code, text = wx.query(out_trade_no=no)
    return json.loads(text)


def test_an_order_past_its_time_expire_is_closed_and_cannot_be_paid(wechat, wx, receiver):
    code, body = _place(wx, "QR-1001", receiver.url, time_expire=_rfc3339(600))
    assert code == 200
    token = body["code_url"].partition("pr=")[2]
    assert _query(wx, "QR-1001")["trade_state"] == "NOTPAY"
    answer = _expire(wechat, token)
    assert answer["expired"] is True and answer["transaction"]["trade_state"] == "CLOSED"
    assert _query(wx, "QR-1001")["trade_state"] == "CLOSED"
    paid = customer_pays(wechat.url, code_url=body["code_url"])
    assert paid["paid"] is False and paid["message"] == "订单已关闭"
    page = requests.post(f"{wechat.url}/pay/wx/bizpayurl?pr={token}", data={"action": "pay"}, timeout=10)
    assert "订单已关闭" in page.text and "支付成功" not in page.text
    code, again = _place(wx, "QR-1001", receiver.url, time_expire=_rfc3339(600))
    assert code == 400 and again["code"] == "ORDERCLOSED"
    assert wx.close(out_trade_no="QR-1001")[0] == 204       # closing a closed order is no error
    time.sleep(0.3)
    assert receiver.got == []                               # WeChat Pay notifies payments, not expiries


def test_an_order_without_time_expire_keeps_its_two_hours(wechat, wx, receiver):
    code, body = _place(wx, "QR-1002", receiver.url)
    assert code == 200
    answer = _expire(wechat, "QR-1002")
    assert answer["expired"] is False and answer["time_expire"] is None
    assert customer_pays(wechat.url, code_url=body["code_url"])["paid"] is True


def test_time_expire_is_checked(wechat, wx, receiver):
    for bad in ("2030-01-01 10:00:00", "2030-01-01T10:00:00", "tomorrow", _rfc3339(-60)):
        code, body = _place(wx, "QR-1003", receiver.url, time_expire=bad)
        assert code == 400 and body["code"] == "PARAM_ERROR" and body["detail"]["field"] == "time_expire", (bad, body)


def test_expiry_is_lazy_and_only_closes_unpaid_orders():
    trade = {"trade_state": "NOTPAY", "trade_state_desc": "订单未支付", "_expires": 100.0}
    assert expire_if_due(trade, now=99.0) is False and trade["trade_state"] == "NOTPAY"
    assert expire_if_due(trade, now=100.0) is True and trade["trade_state"] == "CLOSED"
    paid = {"trade_state": "SUCCESS", "_expires": 100.0}
    assert expire_if_due(paid, now=500.0) is False and paid["trade_state"] == "SUCCESS"


def test_sim_expire_of_an_unknown_order_is_404(wechat):
    resp = requests.post(wechat.url + "/_sim/wechatpay/orders/nope/expire", json={},
                         headers=_headers(wechat), timeout=10)
    assert resp.status_code == 404 and "nope" in resp.json()["message"]


def _headers(wechat):
    from paychaos.gateway.testing import sim_headers
    return sim_headers(wechat.url)
