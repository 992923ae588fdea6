"""Mobile-web pay (`alipay.trade.wap.pay`) on the fake Alipay, signed by the official SDK's page_execute
(GET) as a phone shop does: the cashier sends a buyer who leaves to the trade's quit_url, paychaos's /_sim
lets a trade's whole lifetime pass (Alipay's default too), a closed out_trade_no opened again is Alipay's
error page with no way back, and a failed cashier payment in a forged-notification band is followed by
the made-up notification, as after alipay.trade.pay."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from paychaos.gateway.testing import running_gateway

from .test_sdks import _Hooks, _sim, community, official

pytest.importorskip("alipay.aop.api.request.AlipayTradeWapPayRequest")
BACK = re.compile(r"<a id=back href='([^']*)'")


@pytest.fixture(scope="module")
def gateway():
    with running_gateway(dialect="alipay", seed=9) as svc:
        yield svc


@pytest.fixture()
def fresh(gateway):
    _sim(gateway, "/_sim/reset", {})
    _sim(gateway, "/_sim/webhooks", {})
    return gateway


def wap_url(gw, out_no: str, amount: str = "88.00", notify_url: str | None = None, **more) -> str:
    from alipay.aop.api.domain.AlipayTradeWapPayModel import AlipayTradeWapPayModel
    from alipay.aop.api.request.AlipayTradeWapPayRequest import AlipayTradeWapPayRequest

    model = AlipayTradeWapPayModel()
    model.out_trade_no, model.total_amount, model.subject, model.product_code = out_no, amount, "月饼", "QUICK_WAP_WAY"
    model.quit_url = "http://127.0.0.1:9/m/quit?cart=c1"
    for name, value in more.items():
        setattr(model, name, value)
    req = AlipayTradeWapPayRequest(biz_model=model)
    req.return_url, req.notify_url = "http://127.0.0.1:9/m/back?cart=c1", notify_url
    return official(gw).page_execute(req, http_method="GET")


def cashier(page_text: str) -> str:
    return re.search(r'action="(/alipay/cashier/[0-9]+)"', page_text).group(1)


def test_a_buyer_who_leaves_the_wap_cashier_goes_to_quit_url(fresh):
    page = requests.get(wap_url(fresh, "MD-1-1"), timeout=10)
    assert page.status_code == 200 and "收银台" in page.text
    left = requests.post(fresh.url + cashier(page.text), data={"buyer": ""}, timeout=10)
    assert "已取消支付" in left.text
    assert BACK.search(left.text).group(1).replace("&amp;", "&") == "http://127.0.0.1:9/m/quit?cart=c1"
    paid = requests.post(fresh.url + cashier(page.text), data={"buyer": "alipay_ok"}, timeout=10,
                         allow_redirects=False)
    assert paid.status_code == 302 and paid.headers["Location"].startswith("http://127.0.0.1:9/m/back?cart=c1&")
    back = dict(parse_qsl(urlsplit(paid.headers["Location"]).query))
    assert back["method"] == "alipay.trade.wap.pay.return" and back["out_trade_no"] == "MD-1-1"


def test_a_whole_lifetime_passes_then_the_closed_trade_cannot_be_reopened(fresh):
    hooks = _Hooks()
    url = wap_url(fresh, "MD-2-1", notify_url=hooks.url)
    trade_no = cashier(requests.get(url, timeout=10).text).rsplit("/", 1)[-1]
    # no timeout_express: /expire keeps Alipay's default (15 days); /timeout lets it pass
    assert _sim(fresh, f"/_sim/alipay/trades/{trade_no}/expire", {})["expired"] is False
    answer = _sim(fresh, "/_sim/alipay/trades/MD-2-1/timeout", {})
    assert answer["closed"] is True and answer["expired"] is True and answer["trade_status"] == "TRADE_CLOSED"
    assert community(fresh).api_alipay_trade_query(out_trade_no="MD-2-1")["trade_status"] == "TRADE_CLOSED"
    assert hooks.wait(1)[0]["trade_status"] == "TRADE_CLOSED"
    again = requests.get(wap_url(fresh, "MD-2-1"), timeout=10)   # the shop sends the closed out_trade_no again
    assert '<p id=result>ACQ.TRADE_HAS_CLOSE' in again.text and "收银台" not in again.text
    assert BACK.search(again.text) is None                       # Alipay's error page: no way back
    assert "收银台" in requests.get(wap_url(fresh, "MD-2-2"), timeout=10).text   # a new out_trade_no: a new trade


def test_timeout_says_closed_for_a_trade_its_merchant_closed(fresh):
    url = wap_url(fresh, "MD-3-1", timeout_express="30m")
    requests.get(url, timeout=10)
    assert community(fresh).api_alipay_trade_close(out_trade_no="MD-3-1")["code"] == "10000"
    answer = _sim(fresh, "/_sim/alipay/trades/MD-3-1/timeout", {})
    assert answer["closed"] is True and answer["expired"] is False


def test_a_failed_cashier_payment_in_a_forged_band_brings_the_made_up_notification(fresh):
    hooks = _Hooks()
    page = requests.get(wap_url(fresh, "MD-4-1", amount="9009.01", notify_url=hooks.url), timeout=10)  # 900901 fen
    failed = requests.post(fresh.url + cashier(page.text), data={"buyer": "alipay_ok"}, timeout=10)
    assert "ACQ.BUYER_BALANCE_NOT_ENOUGH" in failed.text
    [forged] = hooks.wait(1)
    assert forged["trade_status"] == "TRADE_SUCCESS" and "sign" not in forged    # 900900..900999: unsigned
