"""The proxy's faults on WeChat Pay legs: wechatpayv3 -> real `paychaos proxy` -> the fake, and the
fake's notifications -> the proxy's webhooks listener -> the merchant's endpoint. Rules match by
`kind` (payment, refund, lookup, webhook), so the existing fault set works unchanged."""

from __future__ import annotations

import json

import pytest
import requests

from paychaos.gateway.wechatpay.testing import customer_pays, get_ledger, set_notify_endpoint
from paychaos.proxies.journal import read_journal
from paychaos.proxies.testing import clear_rules, running_proxy, set_rules

from .conftest import Receiver, make_client


@pytest.fixture
def proxied(wechat, tmp_path):
    receiver = Receiver(None)
    origin = receiver.url.rsplit("/notify", 1)[0]
    journal = tmp_path / "journal.jsonl"
    with running_proxy({"primary": wechat.url, "webhooks": origin}, journal=journal) as proxy:
        listeners = proxy.info["listeners"]
        wx = make_client(wechat)
        wx._core._gate_way = listeners["primary"]   # the shop's gateway URL is the proxy's listener
        receiver.wx = wx
        set_notify_endpoint(wechat.url, listeners["webhooks"] + "/notify/wechat")
        yield wx, proxy, receiver, journal
        clear_rules(proxy.info["control"])
    receiver.close()


def _json(answer):
    code, text = answer
    return code, (json.loads(text) if text else None)


def test_http_error_on_payment_answers_in_wechat_shape_then_passes(wechat, proxied):
    wx, proxy, _, journal = proxied
    set_rules(proxy.info["control"], [{"fault": "http_error", "params": {"status": 503},
                                       "match": {"kind": "payment"}, "times": 1}], scenario="wx-outage")
    code, body = _json(wx.pay(description="灯笼", out_trade_no="P-0001", amount={"total": 1000}))
    assert code == 503 and body["code"] == "SYSTEM_ERROR"
    assert _json(wx.query(out_trade_no="P-0001"))[0] == 404   # lookups untouched; the order never reached it
    code, body = _json(wx.pay(description="灯笼", out_trade_no="P-0001", amount={"total": 1000}))
    assert code == 200 and "code_url" in body
    # (a /v3/certificates download may come first: another test may have rotated the platform certificate)
    records = [r for r in read_journal(journal, scenario="wx-outage") if r["path"] != "/v3/certificates"]
    assert [(r["path"].split("?")[0], r["status"]) for r in records] == [
        ("/v3/pay/transactions/native", 503), ("/v3/pay/transactions/out-trade-no/P-0001", 404),
        ("/v3/pay/transactions/native", 200)]
    assert records[0]["faults"][0]["fault"] == "http_error"


def test_refund_answer_lost_after_the_money_moved(wechat, proxied):
    wx, proxy, _, _ = proxied
    wx.pay(description="灯笼", out_trade_no="P-0002", amount={"total": 2000})
    customer_pays(wechat.url, out_trade_no="P-0002")
    set_rules(proxy.info["control"], [{"fault": "response_lost", "match": {"kind": "refund"}, "times": 1}],
              scenario="wx-refund-lost")
    args = {"out_refund_no": "RF-P2", "amount": {"refund": 2000, "total": 2000, "currency": "CNY"},
            "out_trade_no": "P-0002"}
    with pytest.raises(requests.RequestException):
        wx.refund(**args)
    assert get_ledger(wechat.url)["money"]["by_intent"]["P-0002"]["refunded"] == 2000
    code, body = _json(wx.refund(**args))   # retried with the same out_refund_no: no second refund
    assert code == 200 and body["status"] == "SUCCESS"
    assert len(get_ledger(wechat.url)["refunds"]) == 1


def test_webhook_faults_act_on_notifications(wechat, proxied):
    wx, proxy, receiver, journal = proxied
    set_rules(proxy.info["control"], [{"fault": "webhook_duplicate", "params": {"copies": 2},
                                       "match": {"event.type": "TRANSACTION.SUCCESS"}}], scenario="wx-dup")
    wx.pay(description="灯笼", out_trade_no="P-0003", amount={"total": 3000}, notify_url="http://127.0.0.1:9/x")
    customer_pays(wechat.url, out_trade_no="P-0003")
    got = receiver.wait_for(3)
    assert len(got) == 3 and len({g["body"]["id"] for g in got}) == 1
    assert all(g["checked"]["resource"]["out_trade_no"] == "P-0003" for g in got)
    hooks = [r for r in read_journal(journal, scenario="wx-dup") if r["upstream"] == "webhooks"]
    assert hooks and hooks[0]["event"]["type"] == "TRANSACTION.SUCCESS"


def test_webhook_forge_on_notifications_fails_the_sdk_check(wechat, proxied):
    wx, proxy, receiver, journal = proxied
    rules = [{"fault": "webhook_forge", "params": {"mode": mode, "delay_ms": 100 * i},
              "match": {"event.type": "TRANSACTION.SUCCESS"}}
             for i, mode in enumerate(("bad_signature", "unsigned", "tampered"))]
    set_rules(proxy.info["control"], rules, scenario="wx-forge")
    wx.pay(description="灯笼", out_trade_no="P-0004", amount={"total": 4000}, notify_url="http://127.0.0.1:9/x")
    customer_pays(wechat.url, out_trade_no="P-0004")
    got = receiver.wait_for(4)
    assert len(got) == 4
    genuine = [g for g in got if isinstance(g["checked"], dict)]
    assert len(genuine) == 1 and genuine[0]["checked"]["resource"]["out_trade_no"] == "P-0004"
    refused = [g for g in got if not isinstance(g["checked"], dict)]
    assert len(refused) == 3 and len({g["body"]["id"] for g in refused}) == 3
    forged = {r["forged"] for r in read_journal(journal, scenario="wx-forge") if r.get("forged")}
    assert forged == {"bad_signature", "unsigned", "tampered"}
