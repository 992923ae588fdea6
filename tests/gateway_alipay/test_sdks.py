"""The fake Alipay against both Python SDKs, unmodified (the official one with its port fix only,
tests/shops/alipay_port.py), over real HTTP: signatures both ways, the envelope, idempotency, the test
buyers, the hosted pages, signed notifications retried until `success`, and the proxy's kinds of call."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from alipay import AliPay

from paychaos.common import call_kinds
from paychaos.gateway.testing import get_ledger, running_gateway, sim_headers
from paychaos.proxies.journal import read_journal
from paychaos.proxies.testing import running_proxy, set_rules
from tests.shops import alipay_port


@pytest.fixture(scope="module")
def gw():
    with running_gateway(dialect="alipay", seed=3) as svc:
        yield svc


@pytest.fixture()
def fresh(gw):
    _sim(gw, "/_sim/reset", {})
    _sim(gw, "/_sim/alipay/failures", {})
    _sim(gw, "/_sim/alipay/notify", {"duplicate": False, "late_ms": 0})
    _sim(gw, "/_sim/webhooks", {})
    return gw


def _sim(gw, path, body=None):
    resp = requests.request("POST" if body is not None else "GET", gw.url + path, headers=sim_headers(gw.url),
                            data=json.dumps(body) if body is not None else None, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def community(gw, url=None, notify_url=None) -> AliPay:
    info = gw.info
    ali = AliPay(appid=info["app_id"], app_notify_url=notify_url,
                 app_private_key_string=open(info["app_private_key_file"]).read(),
                 alipay_public_key_string=open(info["alipay_public_key_file"]).read(), sign_type="RSA2")
    ali._gateway = (url or info["url"]) + "/gateway.do"
    return ali


def official(gw, url=None):
    from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
    from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient

    cfg = AlipayClientConfig()
    cfg.server_url = (url or gw.info["url"]) + "/gateway.do"
    cfg.app_id = gw.info["app_id"]
    cfg.app_private_key = open(gw.info["app_private_key_file"]).read()
    cfg.alipay_public_key = open(gw.info["alipay_public_key_file"]).read()
    return DefaultAlipayClient(cfg)


def official_pay(client, out_trade_no, amount="5.00", auth_code="alipay_ok"):
    from alipay.aop.api.domain.AlipayTradePayModel import AlipayTradePayModel
    from alipay.aop.api.request.AlipayTradePayRequest import AlipayTradePayRequest
    from alipay.aop.api.response.AlipayTradePayResponse import AlipayTradePayResponse

    model = AlipayTradePayModel()
    model.out_trade_no, model.total_amount, model.subject = out_trade_no, amount, "灯笼"
    model.scene, model.auth_code = "bar_code", auth_code
    resp = AlipayTradePayResponse()
    resp.parse_response_content(client.execute(AlipayTradePayRequest(biz_model=model)))
    return resp


def pay(ali, out_no, amount="12.99", buyer="alipay_ok"):
    return ali.api_alipay_trade_pay(out_trade_no=out_no, scene="bar_code", auth_code=buyer, subject="灯笼",
                                    total_amount=amount)


# -- SDK compatibility ---------------------------------------------------------------------------

def test_community_sdk_pays_queries_refunds_with_verified_signatures(fresh):
    ali = community(fresh)
    paid = pay(ali, "ord-1")
    assert paid["code"] == "10000" and paid["total_amount"] == "12.99" and len(paid["trade_no"]) == 28
    q = ali.api_alipay_trade_query(out_trade_no="ord-1")
    assert q["trade_status"] == "TRADE_SUCCESS" and q["trade_no"] == paid["trade_no"]
    r = ali.api_alipay_trade_refund("2.50", out_trade_no="ord-1", out_request_no="rf-1")
    assert r["fund_change"] == "Y" and r["refund_fee"] == "2.50"
    again = ali.api_alipay_trade_refund("2.50", out_trade_no="ord-1", out_request_no="rf-1")
    assert again["fund_change"] == "N" and again["refund_fee"] == "2.50"   # same out_request_no: no 2nd refund
    rq = ali.api_alipay_trade_fastpay_refund_query("rf-1", out_trade_no="ord-1")
    assert rq["refund_status"] == "REFUND_SUCCESS" and rq["refund_amount"] == "2.50"
    over = ali.api_alipay_trade_refund("20.00", out_trade_no="ord-1", out_request_no="rf-2")
    assert over["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    money = get_ledger(fresh.url)["money"]
    assert money["by_metadata"]["out_trade_no"]["ord-1"] == {"captured": 1299, "refunded": 250, "net": 1049,
                                                             "charges": 1}


def test_out_trade_no_is_idempotent_and_a_paid_order_answers_trade_has_success(fresh):
    ali = community(fresh)
    first = pay(ali, "ord-2")
    second = pay(ali, "ord-2")
    assert second["code"] == "40004" and second["sub_code"] == "ACQ.TRADE_HAS_SUCCESS"
    assert second["trade_no"] == first["trade_no"]
    changed = pay(ali, "ord-3", amount="1.00", buyer="alipay_balance_not_enough")
    assert changed["sub_code"] == "ACQ.BUYER_BALANCE_NOT_ENOUGH"
    assert pay(ali, "ord-3", amount="2.00")["sub_code"] == "ACQ.CONTEXT_INCONSISTENT"
    ledger = get_ledger(fresh.url)
    assert ledger["money"]["currency_totals"]["cny"]["captured"] == 1299
    assert ledger["money"]["by_metadata"]["out_trade_no"]["ord-2"]["charges"] == 1


def test_official_sdk_needs_its_port_fix_then_verifies_the_fakes_signature(fresh, monkeypatch):
    from alipay.aop.api.util import WebUtils

    with pytest.raises(TypeError):   # the SDK's own bug: it adds the int port to the URL string
        official_pay(official(fresh), "ord-o0")
    monkeypatch.setattr(WebUtils, "get_http_connection", alipay_port.get_http_connection)
    resp = official_pay(official(fresh), "ord-o1", "5.00")
    assert resp.is_success() and resp.trade_no and resp.total_amount == "5.00"
    frozen = official_pay(official(fresh), "ord-o2", "5.00", "alipay_buyer_frozen")
    assert not frozen.is_success() and frozen.sub_code == "ACQ.BUYER_ENABLE_STATUS_FORBID"


def test_a_wrong_merchant_key_is_refused_and_a_wrong_platform_key_fails_the_sdks_check(fresh, tmp_path):
    from paychaos.gateway.alipay import keys as rsa2

    other = rsa2.private_pem(rsa2.new_private_key())
    ali = community(fresh)
    ali._app_private_key = AliPay(appid="1", app_private_key_string=other,
                                  alipay_public_key_string=open(fresh.info["alipay_public_key_file"]).read()
                                  ).app_private_key
    bad = pay(ali, "ord-sig")
    assert bad["code"] == "40002" and bad["sub_code"] == "isv.invalid-signature"
    assert "ord-sig" not in get_ledger(fresh.url)["money"]["by_metadata"].get("out_trade_no", {})
    ali = community(fresh)
    ali._alipay_public_key = AliPay(appid="1", app_private_key_string=other,
                                    alipay_public_key_string=rsa2.public_pem(rsa2.new_private_key().public_key())
                                    ).alipay_public_key
    with pytest.raises(Exception) as err:   # the answer's signature does not verify with another key
        pay(ali, "ord-sig2")
    assert "Validation" in type(err.value).__name__ or "verif" in str(err.value).lower()


# -- failure causes ------------------------------------------------------------------------------

@pytest.mark.parametrize("buyer, sub_code, moved", [
    ("alipay_balance_not_enough", "ACQ.BUYER_BALANCE_NOT_ENOUGH", 0),
    ("alipay_buyer_frozen", "ACQ.BUYER_ENABLE_STATUS_FORBID", 0),
    ("alipay_system_busy", "ACQ.SYSTEM_ERROR", 0),
    ("alipay_frequency_limited", "ACQ.FREQUENCY_LIMITED", 0),
    ("alipay_paid_answer_lost", "ACQ.SYSTEM_ERROR", 800),
])
def test_test_buyers_answer_their_cause_and_move_money_only_when_documented(fresh, buyer, sub_code, moved):
    ali = community(fresh)
    answer = pay(ali, "ord-b", amount="8.00", buyer=buyer)
    assert answer["code"] == "40004" and answer["sub_code"] == sub_code and answer["sub_msg"]
    cell = get_ledger(fresh.url)["money"]["by_metadata"]["out_trade_no"]["ord-b"]
    assert cell["captured"] == moved


def test_paid_but_trade_not_exist_for_two_queries_then_success(fresh):
    ali = community(fresh)
    assert pay(ali, "ord-ne", buyer="alipay_paid_not_exist")["sub_code"] == "ACQ.SYSTEM_ERROR"
    answers = [ali.api_alipay_trade_query(out_trade_no="ord-ne") for _ in range(3)]
    assert [a.get("sub_code") for a in answers[:2]] == ["ACQ.TRADE_NOT_EXIST"] * 2
    assert answers[2]["trade_status"] == "TRADE_SUCCESS"


def test_cancel_refunds_a_paid_trade_and_blocks_an_unseen_out_trade_no(fresh):
    ali = community(fresh)
    pay(ali, "ord-c", buyer="alipay_paid_answer_lost")
    assert ali.api_alipay_trade_cancel(out_trade_no="ord-c")["action"] == "refund"
    assert ali.api_alipay_trade_cancel(out_trade_no="ord-unseen")["action"] == "close"
    assert pay(ali, "ord-unseen")["sub_code"] == "ACQ.TRADE_HAS_CLOSE"
    money = get_ledger(fresh.url)["money"]["by_metadata"]["out_trade_no"]
    assert money["ord-c"]["net"] == 0 and money["ord-c"]["refunded"] == 1299


def test_forced_failures_and_close(fresh):
    ali = community(fresh)
    _sim(fresh, "/_sim/alipay/failures", {"method": "alipay.trade.query", "times": 1})
    ali.api_alipay_trade_create(subject="x", out_trade_no="ord-f", total_amount="3.00")
    assert ali.api_alipay_trade_query(out_trade_no="ord-f")["sub_code"] == "ACQ.SYSTEM_ERROR"
    assert ali.api_alipay_trade_query(out_trade_no="ord-f")["trade_status"] == "WAIT_BUYER_PAY"
    assert ali.api_alipay_trade_close(out_trade_no="ord-f")["code"] == "10000"
    assert ali.api_alipay_trade_close(out_trade_no="ord-f")["sub_code"] == "ACQ.TRADE_STATUS_ERROR"


def test_precreate_is_unknown_until_scanned_and_the_qr_page_pays(fresh):
    ali = community(fresh)
    qr = ali.api_alipay_trade_precreate(subject="x", out_trade_no="ord-qr", total_amount="6.00")["qr_code"]
    assert ali.api_alipay_trade_query(out_trade_no="ord-qr")["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    assert "收银台" in requests.get(qr, timeout=10).text       # the buyer scans
    assert ali.api_alipay_trade_query(out_trade_no="ord-qr")["trade_status"] == "WAIT_BUYER_PAY"
    page = requests.post(qr.replace("/qr/", "/cashier/"), data={"buyer": "alipay_ok"}, timeout=10)
    assert "支付成功" in page.text
    assert ali.api_alipay_trade_query(out_trade_no="ord-qr")["trade_status"] == "TRADE_SUCCESS"


def test_the_qr_page_reads_a_test_amount_first_then_a_scenario_token_as_the_buyer(fresh):
    ali = community(fresh)
    for out_no, amount, buyer, words, status in (
            ("ord-qb", "9004.50", "alipay_ok", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "WAIT_BUYER_PAY"),
            ("ord-qt", "6.00", "pm_card_chargeDeclinedRestrictedCard", "ACQ.BUYER_ENABLE_STATUS_FORBID",
             "WAIT_BUYER_PAY"),
            ("ord-qv", "6.00", "pm_card_visa", "支付成功", "TRADE_SUCCESS")):
        qr = ali.api_alipay_trade_precreate(subject="x", out_trade_no=out_no, total_amount=amount)["qr_code"]
        requests.get(qr, timeout=10)
        page = requests.post(qr.replace("/qr/", "/cashier/"), data={"buyer": buyer}, timeout=10)
        assert words in page.text, (out_no, page.text)
        assert ali.api_alipay_trade_query(out_trade_no=out_no)["trade_status"] == status


def test_page_pay_serves_the_cashier_and_returns_with_a_signature_the_sdk_verifies(fresh):
    ali = community(fresh)
    query = ali.api_alipay_trade_page_pay("灯笼", "ord-page", "9.90", return_url="http://127.0.0.1:9/done")
    cashier = requests.get(fresh.url + "/gateway.do?" + query, timeout=10)
    assert "收银台" in cashier.text and "9.90" in cashier.text
    trade_no = _sim(fresh, "/_sim/ledger")["alipay"]["trades"][0]["trade_no"]
    back = requests.post(f"{fresh.url}/alipay/cashier/{trade_no}", data={"buyer": "alipay_ok"},
                         allow_redirects=False, timeout=10)
    assert back.status_code == 302
    params = dict(parse_qsl(urlsplit(back.headers["Location"]).query))
    sign = params.pop("sign")
    assert ali.verify(params, sign) and params["out_trade_no"] == "ord-page"


# -- notifications -------------------------------------------------------------------------------

class _Hooks:
    """A merchant's notify_url on 127.0.0.1:0 that answers `fail` to the first `fails` posts."""

    def __init__(self, fails: int = 0):
        self.posts: list[dict] = []
        self.fails = fails
        hooks = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                hooks.posts.append(dict(parse_qsl(body)))
                answer = b"fail" if len(hooks.posts) <= hooks.fails else b"success"
                self.send_response(200)
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n: int, timeout_s: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout_s
        while len(self.posts) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.posts


def test_notifications_are_signed_and_retried_until_success(fresh):
    hooks = _Hooks(fails=2)
    ali = community(fresh, notify_url=hooks.url)
    pay(ali, "ord-n")
    posts = hooks.wait(3)
    assert len(posts) == 3 and all(p["out_trade_no"] == "ord-n" for p in posts)
    fields = dict(posts[-1])
    sign = fields.pop("sign")
    assert fields["trade_status"] == "TRADE_SUCCESS" and ali.verify(fields, sign)
    hooks.server.shutdown()


def test_forged_and_unsigned_notifications_do_not_verify(fresh):
    hooks = _Hooks()
    ali = community(fresh, notify_url=hooks.url)
    ali.api_alipay_trade_create(subject="x", out_trade_no="ord-forge", total_amount="3.00")
    _sim(fresh, "/_sim/alipay/notify", {"forge": "forged", "out_trade_no": "ord-forge"})
    _sim(fresh, "/_sim/alipay/notify", {"forge": "unsigned", "out_trade_no": "ord-forge"})
    posts = hooks.wait(2)
    assert len(posts) == 2
    forged = next(p for p in posts if "sign" in p)
    fields = dict(forged)
    assert not ali.verify(fields, fields.pop("sign"))
    assert any("sign" not in p for p in posts)
    assert get_ledger(fresh.url)["money"]["currency_totals"] == {}   # no money moved
    hooks.server.shutdown()


def test_band_closed_answers_10003_closes_the_trade_notifies_trade_closed_and_then_has_close(fresh):
    hooks = _Hooks()
    ali = community(fresh, notify_url=hooks.url)
    first = pay(ali, "ord-cl", amount="9013.50")
    assert first["code"] == "10003"
    assert ali.api_alipay_trade_query(out_trade_no="ord-cl")["trade_status"] == "TRADE_CLOSED"
    again = pay(ali, "ord-cl", amount="9013.50")
    assert again["code"] == "40004" and again["sub_code"] == "ACQ.TRADE_HAS_CLOSE"
    posts = hooks.wait(1)
    fields = dict(posts[0])
    assert fields["trade_status"] == "TRADE_CLOSED" and ali.verify(fields, fields.pop("sign"))
    assert get_ledger(fresh.url)["money"]["currency_totals"] == {}
    hooks.server.shutdown()


def test_band_sign_error_refuses_every_pay_and_makes_no_trade(fresh):
    ali = community(fresh)
    for _ in range(2):
        answer = pay(ali, "ord-se", amount="9003.10")
        assert answer["code"] == "40002" and answer["sub_code"] == "isv.invalid-signature"
    assert ali.api_alipay_trade_query(out_trade_no="ord-se")["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def test_band_forged_answer_fails_the_sdks_check_and_moves_no_money(fresh, monkeypatch):
    from alipay.aop.api.util import WebUtils

    monkeypatch.setattr(WebUtils, "get_http_connection", alipay_port.get_http_connection)
    ali = community(fresh)
    with pytest.raises(Exception) as err:   # "paid", signed with a key that is not Alipay's
        pay(ali, "ord-fa", amount="9014.20")
    assert "Validation" in type(err.value).__name__ or "verif" in str(err.value).lower()
    assert ali.api_alipay_trade_query(out_trade_no="ord-fa")["trade_status"] == "WAIT_BUYER_PAY"
    assert pay(ali, "ord-fa", amount="9014.20")["sub_code"] == "ACQ.BUYER_BALANCE_NOT_ENOUGH"
    with pytest.raises(Exception) as err:   # the official SDK refuses it too
        official_pay(official(fresh), "ord-fa2", "9014.20")
    assert "verify" in str(err.value).lower(), err.value
    assert get_ledger(fresh.url)["money"]["currency_totals"] == {}


def test_sim_wants_the_token(gw):
    resp = requests.get(gw.url + "/_sim/ledger", timeout=10)
    assert resp.status_code == 401
    assert urllib.request.urlopen(gw.url + "/_sim/health", timeout=10).status == 200


# -- the proxy's kinds of call -------------------------------------------------------------------

def test_call_kinds_of_alipay_methods():
    assert call_kinds.call_kind("POST", "/gateway.do", api_method="alipay.trade.pay") == "payment"
    assert call_kinds.call_kind("GET", "/gateway.do", api_method="alipay.trade.query") == "lookup"
    assert call_kinds.call_kind("POST", "/gateway.do", api_method="alipay.trade.refund") == "refund"
    assert call_kinds.call_kind("POST", "/gateway.do") == "other"
    assert call_kinds.call_kind("POST", "/notify", "webhooks") == "webhook"
    assert call_kinds.browser_call("/alipay/cashier/2026")


def test_a_kind_payment_fault_hits_alipay_pay_not_query_and_the_journal_names_the_trade(fresh, tmp_path):
    journal = tmp_path / "j.jsonl"
    with running_proxy({"primary": fresh.url}, journal=journal) as proxy:
        set_rules(proxy.info["control"], [{"id": "busy", "fault": "http_error", "params": {"status": 503},
                                           "match": {"kind": "payment"}, "times": 1}], scenario="ali")
        ali = community(fresh, url=proxy.url)
        with pytest.raises(urllib.error.HTTPError):     # the SDK (urlopen) sees the proxy's 503
            pay(ali, "ord-p")
        assert pay(ali, "ord-p")["code"] == "10000"
        assert ali.api_alipay_trade_query(out_trade_no="ord-p")["trade_status"] == "TRADE_SUCCESS"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(list(read_journal(str(journal)))) < 3:
            time.sleep(0.05)
    records = list(read_journal(str(journal)))
    assert [r["request"].get("api_method") for r in records] == ["alipay.trade.pay"] * 2 + ["alipay.trade.query"]
    assert [bool(r["faults"]) for r in records] == [True, False, False]
    assert all(r["request"]["out_trade_no"] == "ord-p" for r in records)
    assert records[0]["request"]["amount"] == 1299
    assert records[1]["response"]["object"] == "alipay_trade_pay" and records[1]["response"]["error"] is None
