"""An unpaid trade's timeout_express / time_expire, honoured by the fake Alipay through the community SDK:
the trade closes (TRADE_CLOSED, and a signed TRADE_CLOSED notification once Alipay knew it: a scanned
precreate code), paying it fails with ACQ.TRADE_HAS_CLOSE; the values are checked; paychaos's /_sim lets
a trade's time pass instead of waiting for it."""

from __future__ import annotations

import time

import pytest
import requests

from paychaos.gateway.alipay.trades import AlipayError, Trade, Trades, _expiry
from paychaos.gateway.testing import running_gateway

from .test_sdks import _Hooks, _sim, community


@pytest.fixture(scope="module")
def gateway():
    with running_gateway(dialect="alipay", seed=5) as svc:
        yield svc


@pytest.fixture()
def fresh(gateway):
    _sim(gateway, "/_sim/reset", {})
    _sim(gateway, "/_sim/webhooks", {})
    return gateway


def _precreate(ali, out_no, **more):
    return ali.api_alipay_trade_precreate(subject="竹林面馆", out_trade_no=out_no, total_amount="18.00", **more)


def test_a_scanned_code_past_its_timeout_closes_is_notified_and_cannot_be_paid(fresh):
    hooks = _Hooks()
    ali = community(fresh, notify_url=hooks.url)
    qr = _precreate(ali, "ord-exp", timeout_express="5m")["qr_code"]
    requests.get(qr, timeout=10)                                        # scanned, not paid
    trade_no = qr.rsplit("/", 1)[-1]
    answer = _sim(fresh, f"/_sim/alipay/trades/{trade_no}/expire", {})
    assert answer["expired"] is True and answer["trade_status"] == "TRADE_CLOSED"
    assert ali.api_alipay_trade_query(out_trade_no="ord-exp")["trade_status"] == "TRADE_CLOSED"
    page = requests.post(qr.replace("/qr/", "/cashier/"), data={"buyer": "alipay_ok"}, timeout=10)
    assert "ACQ.TRADE_HAS_CLOSE" in page.text and "支付成功" not in page.text
    fields = dict(hooks.wait(1)[0])
    sign = fields.pop("sign")
    assert fields["trade_status"] == "TRADE_CLOSED" and fields["out_trade_no"] == "ord-exp" and ali.verify(fields, sign)
    assert ali.api_alipay_trade_close(out_trade_no="ord-exp")["sub_code"] == "ACQ.TRADE_STATUS_ERROR"
    hooks.server.shutdown()


def test_an_unscanned_code_expires_silently_and_time_expire_counts_too(fresh):
    hooks = _Hooks()
    ali = community(fresh, notify_url=hooks.url)
    _precreate(ali, "ord-quiet", time_expire=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600 + 600)))
    assert _sim(fresh, "/_sim/alipay/trades/ord-quiet/expire", {})["expired"] is True
    assert ali.api_alipay_trade_query(out_trade_no="ord-quiet")["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    time.sleep(0.3)
    assert hooks.posts == []                       # Alipay never knew the trade: nothing to notify
    hooks.server.shutdown()


def test_a_code_without_timeout_keeps_alipays_default(fresh):
    ali = community(fresh)
    qr = _precreate(ali, "ord-open")["qr_code"]
    assert _sim(fresh, "/_sim/alipay/trades/ord-open/expire", {})["expired"] is False
    requests.get(qr, timeout=10)
    page = requests.post(qr.replace("/qr/", "/cashier/"), data={"buyer": "alipay_ok"}, timeout=10)
    assert "支付成功" in page.text


@pytest.mark.parametrize("biz", [{"timeout_express": "0m"}, {"timeout_express": "16d"}, {"timeout_express": "5 minutes"},
                                 {"time_expire": "2030/01/01 10:00"}])
def test_bad_timeouts_are_refused_naming_the_field(fresh, biz):
    answer = _precreate(community(fresh), "ord-bad", **biz)
    assert answer["sub_code"] == "ACQ.INVALID_PARAMETER" and next(iter(biz)) in answer["sub_msg"]


def test_expiry_is_lazy_and_only_closes_waiting_trades():
    trades = Trades()
    closed = []
    trades.on_closed = closed.append
    trade = Trade("T1", "O1", 100, "x", "FACE_TO_FACE_PAYMENT", "alipay.trade.create", expires=100.0)
    assert trades.expire_if_due(trade, now=99.0) is False and trade.status == "WAIT_BUYER_PAY"
    assert trades.expire_if_due(trade, now=100.0) is True and trade.status == "TRADE_CLOSED" and closed == [trade]
    paid = Trade("T2", "O2", 100, "x", "FACE_TO_FACE_PAYMENT", "alipay.trade.pay", status="TRADE_SUCCESS", expires=1.0)
    assert trades.expire_if_due(paid, now=500.0) is False
    assert _expiry({}) is None
    with pytest.raises(AlipayError):
        _expiry({"timeout_express": "1x"})
