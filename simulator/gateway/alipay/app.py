"""The fake Alipay's HTTP front: `/gateway.do` (every OpenAPI method, GET or POST, parameters in the
query and/or a form body), the customer's pages (cashier for page/wap pay, the QR code's scan page),
and `/_sim` (the same locks and token as the Stripe fake's: paychaos.gateway.resources.sim).
"""

from __future__ import annotations

import asyncio
import html
import json
import sys
import traceback
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from paychaos.common.localtoken import new_token
from paychaos.common.masking import mask_text
from paychaos.gateway.alipay import keys as rsa2
from paychaos.gateway.alipay import ledger
from paychaos.gateway.alipay.notify import Notifier
from paychaos.gateway.alipay.trades import (
    BUYERS,
    FORGED_NOTIFY,
    FORGED_SIGN,
    PAGE_METHODS,
    AlipayError,
    Trades,
    _Paying,
    buyer_for,
    yuan,
)
from paychaos.gateway.resources import sim
from paychaos.gateway.serving import OwnAddress

MAX_BODY = 64 * 1024
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
SIM_CALLS = ("health, reset, ledger, webhooks, alipay/failures, alipay/notify, alipay/trades/OUT_TRADE_NO/pay, "
             "alipay/trades/OUT_TRADE_NO_OR_TRADE_NO/expire, alipay/trades/OUT_TRADE_NO_OR_TRADE_NO/timeout")


class AlipayGateway(OwnAddress):
    def __init__(self, *, keys: rsa2.RunKeys, seed: int | None = None, notifier: Notifier | None = None,
                 sim_token: str | None = None):
        self.keys = keys
        self.trades = Trades(seed)
        self.notifier = notifier or Notifier()
        self.notifier.keys = keys
        self.trades.on_paid = self.notifier.trade_paid
        self.trades.on_forge = self.notifier.forge
        self.trades.on_closed = self.notifier.trade_closed
        self.sim_token = sim_token or new_token()
        self.requests_total = self.requests_api = self.requests_hosted = 0
        self.key_files: dict[str, str] = {}

    def reset(self) -> None:
        hooks = self.trades.on_paid, self.trades.on_forge, self.trades.on_closed
        self.trades.clear()
        self.trades.on_paid, self.trades.on_forge, self.trades.on_closed = hooks
        self.notifier.reset()
        self.requests_total = self.requests_api = self.requests_hosted = 0

    def _schedule(self, delay_s: float, fn) -> None:
        asyncio.get_running_loop().call_later(delay_s, fn)

    # -- HTTP ---------------------------------------------------------------------------------

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests_total += 1
        path = request.path
        try:
            if path.startswith("/_sim/"):
                return await self._sim(request)
            if path.startswith("/alipay/"):
                self.requests_hosted += 1
                return await self._hosted(request)
            if path.rstrip("/") == "/gateway.do":
                self.requests_api += 1
                return await self._gateway(request)
            self.requests_api += 1
            return web.Response(status=404, text="Not Found: the Alipay OpenAPI gateway is /gateway.do\n")
        except ConnectionResetError:
            return web.Response(status=400)
        except Exception:  # a bug of ours: Alipay's 20000 with the masked traceback logged
            print(mask_text(traceback.format_exc()), file=sys.stderr, flush=True)
            return self._answer("error_response", AlipayError("isp.unknow-error", "服务暂不可用（paychaos 内部错误）",
                                                              code="20000").body())

    async def _params(self, request: web.BaseRequest) -> dict[str, str]:
        params = dict(parse_qsl(request.query_string, keep_blank_values=True))
        if request.method == "POST":
            if (request.content_length or 0) > MAX_BODY:
                raise AlipayError("isv.invalid-parameter", f"请求体过大（最多 {MAX_BODY} 字节）", code="40002")
            body = await request.read()
            if len(body) > MAX_BODY:
                raise AlipayError("isv.invalid-parameter", f"请求体过大（最多 {MAX_BODY} 字节）", code="40002")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise AlipayError("isv.invalid-charset", "字符集错误：只支持 utf-8", code="40002") from None
            params.update(parse_qsl(text, keep_blank_values=True))
        return params

    def _check(self, params: dict[str, str]) -> str:
        """The common parameters and the merchant's signature; the method name."""
        method = params.get("method", "")
        for name, sub in (("method", "isv.missing-method"), ("app_id", "isv.missing-app-id"),
                          ("sign", "isv.missing-signature"), ("sign_type", "isv.missing-signature-type"),
                          ("timestamp", "isv.missing-timestamp"), ("version", "isv.missing-version")):
            if not params.get(name):
                raise AlipayError(sub, f"缺少 {name} 参数", code="40001")
        if params["app_id"] != self.keys.app_id:
            raise AlipayError("isv.invalid-app-id", f"无效的AppID参数 (this run's app_id is {self.keys.app_id})",
                              code="40002")
        if params["sign_type"] != "RSA2":
            raise AlipayError("isv.invalid-signature-type", "无效的签名类型：只支持 RSA2", code="40002")
        if params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            raise AlipayError("isv.invalid-charset", "字符集错误：只支持 utf-8", code="40002")
        if not rsa2.verify(self.keys.app_public, rsa2.sign_content(params), params["sign"]):
            raise AlipayError("isv.invalid-signature",
                              "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配", code="40002")
        return method

    async def _gateway(self, request: web.BaseRequest) -> web.StreamResponse:
        method = ""
        try:
            params = await self._params(request)
            method = params.get("method", "")
            self._check(params)
            try:
                biz = json.loads(params.get("biz_content") or "{}")
            except ValueError:
                raise AlipayError("isv.invalid-parameter", "biz_content 不是合法的 JSON", code="40002") from None
            if not isinstance(biz, dict):
                raise AlipayError("isv.invalid-parameter", "biz_content 应为 JSON 对象", code="40002")
            common = {**params, "_base_url": self.base_url}
            if method in PAGE_METHODS:
                self.trades.requests_by_method[method] += 1
                body = self.trades.page_pay(biz, common, self._schedule)
                return web.Response(text=self._cashier(body["trade_no"]), content_type="text/html", charset="utf-8")
            try:
                body = self.trades.call(method, biz, common, self._schedule)
                body = {"code": "10000", "msg": "Success", **body}
            except _Paying as paying:
                body = {"code": "10003", "msg": " order success pay inprocess", **paying.fields}
        except AlipayError as exc:
            body = exc.body()
        name = (method.replace(".", "_") + "_response") if method.startswith("alipay.") else "error_response"
        if body.pop(FORGED_SIGN, False):   # a test amount's made-up answer: signed with a key not Alipay's
            return self._answer(name, body, key=self.notifier.forger_key())
        if method in PAGE_METHODS:   # a browser: a readable error page, with no way back to the shop
            return web.Response(status=200, content_type="text/html", charset="utf-8",
                                text=_page("支付宝 - 错误", f"<p id=result>{html.escape(body.get('sub_code', ''))}: "
                                                          f"{html.escape(body.get('sub_msg', ''))}</p>"))
        return self._answer(name, body)

    def _answer(self, name: str, body: dict, key=None) -> web.Response:
        inner = _dumps(body)
        sign = rsa2.sign(key or self.keys.platform_private, inner)
        text = '{"' + name + '":' + inner + ',"sign":"' + sign + '"}'
        return web.Response(body=text.encode("utf-8"), content_type="application/json", charset="utf-8")

    # -- the customer's pages ------------------------------------------------------------------

    def _cashier(self, trade_no: str) -> str:
        trade = self.trades.by_no[trade_no]
        buttons = "".join(
            f'<button name="buyer" value="{html.escape(name)}">{html.escape(name)}</button> '
            for name in BUYERS)
        return _page("支付宝 - 收银台", f"""
<p>订单 {html.escape(trade.out_trade_no)}：{html.escape(trade.subject)}</p>
<p>金额 ¥{yuan(trade.fen)}</p>
<form method="post" action="/alipay/cashier/{trade_no}">
<p>以哪个测试买家付款：</p>{buttons}
</form>
<form method="post" action="/alipay/cashier/{trade_no}"><button name="buyer" value="">取消</button></form>""")

    async def _hosted(self, request: web.BaseRequest) -> web.StreamResponse:
        parts = request.path.strip("/").split("/")
        if len(parts) != 3 or parts[1] not in ("cashier", "qr"):
            return web.Response(status=404, text="Not Found\n")
        trade = self.trades.by_no.get(parts[2])
        if trade is None:
            return web.Response(status=404, text="交易不存在\n", charset="utf-8")
        if request.method == "GET":
            if parts[1] == "qr":
                trade.scanned = True   # the buyer scanned: Alipay now knows the trade
            return web.Response(text=self._cashier(trade.trade_no), content_type="text/html", charset="utf-8")
        if request.method != "POST":
            return web.Response(status=405)
        form = dict(parse_qsl((await request.read()).decode("utf-8", "replace")[:4096]))
        buyer = form.get("buyer", "")
        # a page-pay trade's pages that end without paying link back to the shop, as Alipay's 返回商家
        # (a wap trade's to its quit_url, when it gave one: where a buyer who leaves the cashier goes)
        home = trade.quit_url or trade.return_url
        back = f"<p><a id=back href='{html.escape(home, quote=True)}'>返回商家</a></p>" if home else ""
        if not buyer:
            return web.Response(text=_page("支付宝", "<p id=result>已取消支付。</p>" + back), content_type="text/html",
                                charset="utf-8")
        try:
            # a test amount's buyer first, then the buyer picked (or a scenario token naming one)
            self.trades.buyer_pays(trade, buyer_for(buyer, trade.fen), self._schedule)
        except AlipayError as exc:
            forge = FORGED_NOTIFY.get(trade.fen // 100)
            if forge and trade.status == "WAIT_BUYER_PAY":   # as after alipay.trade.pay: a made-up TRADE_SUCCESS
                self.notifier.forge(trade, forge)
            return web.Response(text=_page("支付宝 - 支付失败", f"<p id=result>{html.escape(exc.sub_code)}: "
                                                              f"{html.escape(exc.sub_msg)}</p>" + back),
                                content_type="text/html", charset="utf-8")
        if trade.status == "TRADE_CLOSED":   # the buyer never confirmed: the trade timed out
            return web.Response(text=_page("支付宝 - 交易关闭", "<p id=result>ACQ.TRADE_HAS_CLOSE: 交易已经关闭（超时未支付）</p>"
                                           + back), content_type="text/html", charset="utf-8")
        if trade.return_url:
            fields = {"charset": "utf-8", "out_trade_no": trade.out_trade_no, "method": trade.method + ".return",
                      "total_amount": yuan(trade.fen), "trade_no": trade.trade_no, "auth_app_id": self.keys.app_id,
                      "version": "1.0", "app_id": self.keys.app_id, "sign_type": "RSA2",
                      "seller_id": "2088000000000001", "timestamp": _now()}
            signed = self.notifier.signed(fields)
            sep = "&" if "?" in trade.return_url else "?"
            return web.Response(status=302, headers={"Location": trade.return_url + sep + urlencode(signed)})
        return web.Response(text=_page("支付宝", "<p id=result>支付成功</p>"), content_type="text/html", charset="utf-8")

    # -- /_sim ----------------------------------------------------------------------------------

    async def _sim(self, request: web.BaseRequest) -> web.Response:
        try:
            sim._check_caller(self, request)
            body = {}
            if request.method == "POST":
                if (request.content_length or 0) > sim.MAX_SIM_BODY_BYTES:
                    raise sim.SimError(413, f"Request body too large: at most {sim.MAX_SIM_BODY_BYTES} bytes")
                body = sim.parse_body(await request.read())
            return self._sim_dispatch(request, body)
        except sim.SimError as exc:
            return sim._error(exc, "")

    def _sim_dispatch(self, request: web.BaseRequest, body: dict) -> web.Response:
        parts = request.path.strip("/").split("/")[1:]
        method = request.method
        if parts == ["health"] and method == "GET":
            return sim._json({"ok": True, "dialect": "alipay"})
        if parts == ["reset"] and method == "POST":
            sim._only(body)
            self.reset()
            return sim._json({"ok": True})
        if parts == ["ledger"] and method == "GET":
            return sim._json(ledger.build(self))
        if parts == ["webhooks"] and method == "POST":
            sim._only(body, "url", "secret")
            url = sim._str(body, "url", 2048)
            refusal = url_refusal_of(self, url) if url else None
            if refusal:
                raise sim.SimError(400, f"Invalid url: {refusal}", "url")
            self.notifier.url = url
            return sim._json({"ok": True, "url": url})
        if parts == ["webhooks"] and method == "GET":
            return sim._json({"url": self.notifier.url, "log": list(self.notifier.log)})
        if parts == ["alipay", "failures"] and method == "POST":
            return self._sim_failures(body)
        if parts == ["alipay", "notify"] and method == "POST":
            return self._sim_notify(body)
        if len(parts) == 4 and parts[:2] == ["alipay", "trades"] and parts[3] == "pay" and method == "POST":
            sim._only(body, "buyer")
            trade = self.trades.by_out.get(parts[2])
            if trade is None:
                raise sim.SimError(404, f"No trade with out_trade_no {sim.short(parts[2], 60)!r}")
            try:
                self.trades.buyer_pays(trade, sim._str(body, "buyer", 64) or "alipay_ok", self._schedule)
            except AlipayError as exc:
                return sim._json({"ok": False, **exc.body()})
            return sim._json({"ok": True, "trade_no": trade.trade_no, "trade_status": trade.status})
        if len(parts) == 4 and parts[:2] == ["alipay", "trades"] and parts[3] == "expire" and method == "POST":
            return self._sim_expire(parts[2], body)
        if len(parts) == 4 and parts[:2] == ["alipay", "trades"] and parts[3] == "timeout" and method == "POST":
            return self._sim_timeout(parts[2], body)
        raise sim.SimError(404, f"Unknown /_sim call {method} {sim.short(request.path, 80)} (offered: {SIM_CALLS})")

    def _sim_expire(self, key: str, body: dict) -> web.Response:
        """The trade's time passes to the timeout_express / time_expire its merchant gave (KEY: its
        out_trade_no or trade_no): an unpaid trade closes (TRADE_CLOSED, notified when Alipay knew it).
        A trade without one keeps Alipay's default: `expired` false."""
        sim._only(body)
        trade = self.trades.by_out.get(key) or self.trades.by_no.get(key)
        if trade is None:
            raise sim.SimError(404, f"No trade with out_trade_no or trade_no {sim.short(key, 60)!r}")
        expired = self.trades.expire_now(trade)
        return sim._json({"ok": True, "expired": expired, "trade_no": trade.trade_no,
                          "out_trade_no": trade.out_trade_no, "trade_status": trade.status})

    def _sim_timeout(self, key: str, body: dict) -> web.Response:
        """The trade's whole lifetime passes (KEY: its out_trade_no or trade_no), Alipay's default too: a
        waiting trade closes (TRADE_CLOSED, notified); `closed` says whether it is closed now, whoever
        closed it."""
        sim._only(body)
        trade = self.trades.by_out.get(key) or self.trades.by_no.get(key)
        if trade is None:
            raise sim.SimError(404, f"No trade with out_trade_no or trade_no {sim.short(key, 60)!r}")
        closed = self.trades.time_out(trade)
        return sim._json({"ok": True, "closed": closed, "expired": trade.expired, "trade_no": trade.trade_no,
                          "out_trade_no": trade.out_trade_no, "trade_status": trade.status})

    def _sim_failures(self, body: dict) -> web.Response:
        """Force the next `times` answers of `method` ("*": any) to an error: {"method", "sub_code",
        "sub_msg", "code", "times"}; an empty body clears them."""
        if not body:
            self.trades.forced.clear()
            return sim._json({"ok": True, "failures": []})
        sim._only(body, "method", "sub_code", "sub_msg", "code", "times")
        rule = {"method": sim._str(body, "method", 64) or "*",
                "sub_code": sim._str(body, "sub_code", 64) or "ACQ.SYSTEM_ERROR",
                "sub_msg": sim._str(body, "sub_msg", 200) or "系统繁忙，请稍后重试",
                "code": sim._str(body, "code", 8) or "40004",
                "times": sim._int(body, "times", 1, 1_000_000) if "times" in body else 1}
        self.trades.forced.append(rule)
        return sim._json({"ok": True, "failures": self.trades.forced})

    def _sim_notify(self, body: dict) -> web.Response:
        """{"duplicate": bool, "late_ms": n} for the next notifications; {"forge": "unsigned" | "forged",
        "out_trade_no": X} sends a made-up TRADE_SUCCESS notification for trade X now."""
        sim._only(body, "duplicate", "late_ms", "forge", "out_trade_no")
        if "duplicate" in body:
            if not isinstance(body["duplicate"], bool):
                raise sim.SimError(400, "Invalid duplicate: expected true or false", "duplicate")
            self.notifier.duplicate = body["duplicate"]
        if "late_ms" in body:
            self.notifier.late_ms = sim._int(body, "late_ms", 0, 600_000)
        if "forge" in body:
            if body["forge"] not in ("unsigned", "forged"):
                raise sim.SimError(400, "Invalid forge: expected 'unsigned' or 'forged'", "forge")
            trade = self.trades.by_out.get(str(body.get("out_trade_no")))
            if trade is None:
                raise sim.SimError(404, "Invalid out_trade_no: no such trade", "out_trade_no")
            if not self.notifier.forge(trade, body["forge"]):
                raise sim.SimError(400, "The trade has no notify_url and no /_sim/webhooks URL is set", "out_trade_no")
        return sim._json({"ok": True, "duplicate": self.notifier.duplicate, "late_ms": self.notifier.late_ms})


def url_refusal_of(gw: AlipayGateway, url: str) -> str | None:
    from paychaos.gateway.webhooks import url_refusal
    return url_refusal(url, gw.notifier.allow_hosts)


def _now() -> str:
    import time
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
