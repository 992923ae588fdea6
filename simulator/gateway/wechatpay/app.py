"""The fake WeChat Pay v3 gateway's HTTP front: one low-level aiohttp handler.

- `/v3/...`: the merchant's API. Each request must carry `Authorization: WECHATPAY2-SHA256-RSA2048 ...`
  signed with the run's merchant key (mchid and serial_no must be the run's, the timestamp within 5
  minutes), else 401 SIGN_ERROR. Every answer (errors too) is signed with the platform key in the
  Wechatpay-* headers, as WeChat Pay signs its answers.
- `/pay/wx/...`: the customer's WeChat pay page (H5's h5_url, and the page a Native QR code opens).
- `/_sim/...`: paychaos's introspection and control, locked as the Stripe gateway's (loopback Host and
  Origin, JSON POSTs, the run's token in X-Paychaos-Token).
"""

from __future__ import annotations

import gc
import html
import json
import secrets
import sys
import time
import traceback
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp import web

from paychaos.common.localtoken import new_token
from paychaos.common.masking import mask_text
from paychaos.common.netsafety import is_loopback_host
from paychaos.gateway.limits import MAX_SIM_BODY_BYTES, MAX_SIM_JSON_DEPTH
from paychaos.gateway.resources.sim import SimError, _check_caller, json_depth
from paychaos.gateway.serving import OwnAddress
from paychaos.gateway.wechatpay import crypto, ledger
from paychaos.gateway.wechatpay import outcomes as oc
from paychaos.gateway.wechatpay.keys import RunKeys, new_run_keys
from paychaos.gateway.wechatpay.notify import Notifier
from paychaos.gateway.wechatpay.state import State, WxError, expire_now, resource, wx_time

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
CLOCK_SKEW_S = 300
FREEZE_EVERY = 10_000
PAY_KINDS = ("jsapi", "app", "h5", "native")


class WeChatPayGateway(OwnAddress):
    def __init__(self, *, keys: RunKeys | None = None, notifier: Notifier | None = None,
                 sim_token: str | None = None):
        self.keys = keys or new_run_keys()
        self.state = State()
        self.notifier = notifier or Notifier(self.keys)
        self.sim_token = sim_token or new_token()
        self.key_info: dict = {}
        self._merchant_public = self.keys.merchant_key.public_key()

    def reset(self) -> None:
        self.state.clear()
        self.notifier.reset_counts()

    # -- HTTP ------------------------------------------------------------------------------------

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        st = self.state
        st.requests_total += 1
        if st.requests_total % FREEZE_EVERY == 0:
            gc.collect(1)
            gc.freeze()
        path = request.path
        try:
            if path.startswith("/_sim/"):
                return await self._sim(request, path)
            if path.startswith("/pay/wx/"):
                st.requests_hosted += 1
                return await self._page(request, path)
            st.requests_api += 1
            return await self._api(request, path)
        except WxError as exc:
            return self._answer(exc.status, exc.body())
        except SimError as exc:
            return self._answer(exc.status, {"code": "PARAM_ERROR" if exc.status == 400 else "NO_AUTH",
                                             "message": exc.message}, sign=False)
        except web.HTTPException as exc:
            return self._answer(exc.status, {"code": "INVALID_REQUEST", "message": f"Invalid request: {exc.reason}"})
        except ConnectionResetError:
            return web.Response(status=400)
        except Exception:  # a bug of ours: WeChat Pay's 500, the masked traceback on stderr
            print(mask_text(traceback.format_exc()), file=sys.stderr, flush=True)
            return self._answer(500, {"code": "SYSTEM_ERROR", "message": "系统错误"})

    def _answer(self, status: int, payload: dict | None, *, sign: bool = True) -> web.Response:
        text = "" if payload is None else _dumps(payload)
        headers = {"Request-ID": f"08{secrets.token_hex(8).upper()}"}
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        if sign:
            stamp, nonce = str(int(time.time())), crypto.nonce()
            plat = self.keys.platform
            headers.update({"Wechatpay-Nonce": nonce, "Wechatpay-Timestamp": stamp, "Wechatpay-Serial": plat.serial_no,
                            "Wechatpay-Signature-Type": crypto.SCHEME,
                            "Wechatpay-Signature": crypto.sign(plat.key, crypto.answer_message(stamp, nonce, text))})
        return web.Response(body=text.encode(), status=status, headers=headers)

    # -- the merchant's API -------------------------------------------------------------------------

    async def _api(self, request: web.BaseRequest, path: str) -> web.Response:
        method = request.method
        parts = path.strip("/").split("/")
        route = _route(method, parts)
        if route is None:
            raise WxError(404, "NOT_FOUND", f"无此接口 ({method} {path})")
        self.state.requests_by_endpoint[route[0]] += 1
        body_text = (await request.read()).decode("utf-8", errors="replace") if method == "POST" else ""
        self._authenticate(request, body_text)
        body: dict = {}
        if method == "POST" and body_text:
            try:
                body = json.loads(body_text)
            except ValueError:
                raise WxError(400, "PARAM_ERROR", "请求体不是合法的 JSON") from None
            if not isinstance(body, dict):
                raise WxError(400, "PARAM_ERROR", "请求体应为 JSON 对象")
        name, arg = route
        query = {k: v[0] for k, v in parse_qs(request.query_string).items()}
        if name == "certificates":
            return self._answer(200, self._certificates())
        if name.startswith("pay "):
            return self._answer(200, self.state.place(name[4:], body, self.keys.mchid, self.base_url))
        if name in ("query out_trade_no", "query id"):
            if query.get("mchid") != self.keys.mchid:
                raise WxError(400, "PARAM_ERROR", "mchid 与认证信息不符或缺失", {"field": "mchid", "location": "query"})
            if name == "query id":
                return self._answer(200, self.state.query(transaction_id=arg))
            return self._answer(200, self.state.query(out_trade_no=arg))
        if name == "close":
            self.state.close(arg)
            return self._answer(204, None)
        if name == "refund":
            rec, lost = self.state.refund(body)
            stored = self.state.refunds[rec["out_refund_no"]]
            if stored.get("_notify_url") and not stored.get("_notified"):
                stored["_notified"] = True
                self._notify_refund(stored)
            if lost:   # band 9011: the money went back; the merchant hears "system error"
                raise WxError(500, "SYSTEM_ERROR", "系统错误，请使用相同参数稍后重新调用")
            return self._answer(200, rec)
        if name == "query refund":
            return self._answer(200, self.state.query_refund(arg))
        raise WxError(404, "NOT_FOUND", f"无此接口 ({method} {path})")

    def _authenticate(self, request: web.BaseRequest, body: str) -> None:
        auth = crypto.parse_authorization(request.headers.get("Authorization"))
        if auth is None:
            raise WxError(401, "SIGN_ERROR", "Authorization 缺失或认证类型不是 WECHATPAY2-SHA256-RSA2048")
        for name in ("mchid", "nonce_str", "signature", "timestamp", "serial_no"):
            if not auth.get(name):
                raise WxError(401, "SIGN_ERROR", f"Authorization 缺少 {name}")
        if auth["mchid"] != self.keys.mchid:
            raise WxError(401, "SIGN_ERROR", "商户号与证书不匹配")
        if auth["serial_no"].upper() != self.keys.merchant_serial_no:
            raise WxError(401, "SIGN_ERROR", "商户证书序列号有误，请检查 serial_no")
        try:
            skew = abs(time.time() - int(auth["timestamp"]))
        except ValueError:
            skew = CLOCK_SKEW_S + 1
        if skew > CLOCK_SKEW_S:
            raise WxError(401, "SIGN_ERROR", "请求时间戳与系统时间相差超过5分钟")
        message = crypto.request_message(request.method, request.raw_path, auth["timestamp"], auth["nonce_str"], body)
        if not crypto.verify(self._merchant_public, message, auth["signature"]):
            raise WxError(401, "SIGN_ERROR", "签名错误，请检查签名参数和方法是否都符合签名算法要求")

    def _certificates(self) -> dict:
        data = []
        for plat in self.keys.platforms:
            data.append({"serial_no": plat.serial_no,
                         "effective_time": wx_time(plat.cert.not_valid_before_utc.timestamp()),
                         "expire_time": wx_time(plat.cert.not_valid_after_utc.timestamp()),
                         "encrypt_certificate": crypto.encrypt(self.keys.apiv3_key, plat.pem, "certificate")})
        return {"data": data}

    # -- the customer pays ----------------------------------------------------------------------------

    def pay(self, trade: dict, result: str | None = None) -> tuple[bool, str]:
        """The customer confirms (or fails) in WeChat; notifications follow as the amount's band says."""
        paid, said = self.state.pay(trade, result)
        band = trade["_band"]
        if paid:
            copies = 2 if band == oc.NOTIFY_DUPLICATE else 1
            delay = 200 * self.notifier.scale if band == oc.NOTIFY_LATE else 0.0
            self.notifier.send(trade["notify_url"], "TRANSACTION.SUCCESS", "transaction", resource(trade),
                               copies=copies, delay_s=delay)
        elif trade["trade_state"] == "PAYERROR" and band in (oc.NOTIFY_UNSIGNED, oc.NOTIFY_FORGED):
            fake = {**resource(trade), "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
                    "transaction_id": "4200000000" + trade["out_trade_no"][-8:].rjust(18, "0"),
                    "success_time": wx_time()}
            self.notifier.send(trade["notify_url"], "TRANSACTION.SUCCESS", "transaction", fake,
                               mode="unsigned" if band == oc.NOTIFY_UNSIGNED else "forged")
        return paid, said

    def _notify_refund(self, rec: dict) -> None:
        trade = self.state.trades[rec["out_trade_no"]]
        resource = {"mchid": self.keys.mchid, "out_trade_no": rec["out_trade_no"],
                    "transaction_id": rec["transaction_id"], "out_refund_no": rec["out_refund_no"],
                    "refund_id": rec["refund_id"], "refund_status": rec["status"], "success_time": rec["success_time"],
                    "user_received_account": rec["user_received_account"],
                    "amount": {"total": trade["amount"]["total"], "refund": rec["amount"]["refund"],
                               "payer_total": trade["amount"]["total"], "payer_refund": rec["amount"]["refund"]}}
        self.notifier.send(rec["_notify_url"], "REFUND.SUCCESS", "refund", resource)

    async def _page(self, request: web.BaseRequest, path: str) -> web.Response:
        """`/pay/wx/checkmweb?prepay_id=..` (H5) and `/pay/wx/bizpayurl?pr=..` (what a Native QR opens):
        GET shows the order; POST action=pay pays it (then 303 to redirect_url, when the merchant added
        one), action=cancel goes back without paying."""
        query = {k: v[0] for k, v in parse_qs(request.query_string).items()}
        key = query.get("prepay_id") or query.get("pr") or ""
        trade = self.state.find(prepay=key) if key else None
        if trade is None or path not in ("/pay/wx/checkmweb", "/pay/wx/bizpayurl"):
            return _html(404, "<h1>微信支付</h1><p class=error>订单不存在或链接已失效</p>")
        back = query.get("redirect_url")
        if back is not None and not _loopback_url(back):
            return _html(400, "<h1>微信支付</h1><p class=error>redirect_url 只能指向本机 (127.0.0.1)</p>")
        if request.method == "GET":
            return _html(200, _pay_form(trade, request.path_qs))
        if request.method != "POST":
            return _html(405, "<p class=error>不支持的请求方法</p>")
        form = {k: v[0] for k, v in parse_qs((await request.read()).decode("utf-8", "replace")).items()}
        if form.get("action") == "cancel":
            if back:
                return web.Response(status=303, headers={"Location": back})
            return _html(200, "<h1>微信支付</h1><p>已取消支付</p>")
        result = form.get("result")
        if result is not None and result not in oc.RESULTS:
            return _html(400, f"<p class=error>result: {html.escape(result[:40])} (可选: {', '.join(oc.RESULTS)})</p>")
        paid, said = self.pay(trade, result)
        if paid and back:
            return web.Response(status=303, headers={"Location": back})
        if paid:
            return _html(200, f"<h1>微信支付</h1><p class=done>{html.escape(said)}</p>")
        return _html(200, _pay_form(trade, request.path_qs, error=said))

    # -- /_sim ---------------------------------------------------------------------------------------

    async def _sim(self, request: web.BaseRequest, path: str) -> web.Response:
        _check_caller(self, request)
        method, name = request.method, path[len("/_sim/"):].strip("/")
        body = await _sim_body(request) if method == "POST" else {}
        if name == "health" and method == "GET":
            return self._answer(200, {"ok": True, "dialect": "wechatpay"}, sign=False)
        if name == "reset" and method == "POST":
            self.reset()
            return self._answer(200, {"ok": True}, sign=False)
        if name == "ledger" and method == "GET":
            return self._answer(200, ledger.build(self), sign=False)
        if name == "webhooks" and method == "POST":
            unknown = sorted(set(body) - {"url", "secret"})
            if unknown:
                raise SimError(400, f"unknown key {unknown[0][:40]!r} (valid: url, secret; the secret is not "
                                    "used: WeChat Pay signs notifications with its platform key)", unknown[0])
            url = body.get("url")
            if url is not None and not isinstance(url, str):
                raise SimError(400, "url: an http(s) URL or null", "url")
            from paychaos.gateway.webhooks import url_refusal
            refusal = url_refusal(url, self.notifier.allow_hosts) if url is not None else None
            if url is not None and refusal is not None:
                raise SimError(400, f"url: {refusal}", "url")
            self.notifier.endpoint = url
            return self._answer(200, {"url": url}, sign=False)
        if name == "webhooks" and method == "GET":
            return self._answer(200, {"url": self.notifier.endpoint, **self.notifier.stats(),
                                      "log": list(self.notifier.log)}, sign=False)
        if name == "wechatpay/pay" and method == "POST":
            return self._answer(200, self._sim_pay(body), sign=False)
        if name.startswith("wechatpay/orders/") and name.endswith("/expire") and method == "POST":
            return self._answer(200, self._sim_expire(name[len("wechatpay/orders/"):-len("/expire")]), sign=False)
        if name == "wechatpay/rotate" and method == "POST":
            plat = self.keys.rotate()
            return self._answer(200, {"serial_no": plat.serial_no}, sign=False)
        if name == "wechatpay/keys" and method == "GET":
            return self._answer(200, self.key_info, sign=False)
        raise SimError(404, f"no /_sim call {method} /_sim/{name[:60]}; offered: health, reset, ledger, webhooks, "
                            "wechatpay/pay, wechatpay/orders/KEY/expire, wechatpay/rotate, wechatpay/keys")

    def _sim_pay(self, body: dict) -> dict:
        allowed = {"out_trade_no", "prepay_id", "code_url", "transaction_id", "result"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise SimError(400, f"unknown key {unknown[0][:40]!r} (valid: {', '.join(sorted(allowed))})", unknown[0])
        for k, v in body.items():
            if not isinstance(v, str) or not v or len(v) > 256:
                raise SimError(400, f"{k}: a non-empty string of at most 256 characters", k)
        result = body.get("result")
        if result is not None and result not in oc.RESULTS:
            raise SimError(400, f"result: {result[:40]!r} (valid: {', '.join(oc.RESULTS)})", "result")
        code = body.get("code_url")
        prepay = code.partition("pr=")[2] if code else body.get("prepay_id")
        trade = self.state.find(out_trade_no=body.get("out_trade_no"), prepay=prepay) if (
            prepay or body.get("out_trade_no")) else None
        if trade is None:
            raise SimError(404, "no such order (give out_trade_no, prepay_id or code_url)")
        paid, said = self.pay(trade, result)
        return {"paid": paid, "message": said, "transaction": resource(trade)}


    def _sim_expire(self, key: str) -> dict:
        """The order's time passes to its time_expire (KEY: its out_trade_no, prepay id or the code_url's
        pr= token): it closes, unpaid, as WeChat Pay closes it (no notification). An order without a
        time_expire keeps its 2 hours: `expired` false."""
        trade = self.state.find(prepay=key) or self.state.find(out_trade_no=key)
        if trade is None:
            raise SimError(404, f"no order with out_trade_no, prepay id or code_url token {key[:60]!r}")
        expired = expire_now(trade)
        return {"expired": expired, "time_expire": trade["_time_expire"] and wx_time(trade["_time_expire"]),
                "transaction": resource(trade)}


def _route(method: str, parts: list[str]) -> tuple[str, str | None] | None:
    """(route name, its path argument) of a /v3 call, or None."""
    n = len(parts)
    if parts[:1] != ["v3"]:
        return None
    if method == "GET" and parts == ["v3", "certificates"]:
        return "certificates", None
    if parts[1:3] == ["pay", "transactions"]:
        if method == "POST" and n == 4 and parts[3] in PAY_KINDS:
            return f"pay {parts[3]}", None
        if method == "GET" and n == 5 and parts[3] == "id":
            return "query id", parts[4]
        if method == "GET" and n == 5 and parts[3] == "out-trade-no":
            return "query out_trade_no", parts[4]
        if method == "POST" and n == 6 and parts[3] == "out-trade-no" and parts[5] == "close":
            return "close", parts[4]
    if parts[1:4] == ["refund", "domestic", "refunds"]:
        if method == "POST" and n == 4:
            return "refund", None
        if method == "GET" and n == 5:
            return "query refund", parts[4]
    return None


def _loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and is_loopback_host(parts.hostname)
    except ValueError:
        return False


def _html(status: int, inner: str) -> web.Response:
    page = ("<!doctype html><html lang=zh-CN><head><meta charset=utf-8><title>微信支付</title></head>"
            f"<body>{inner}</body></html>")
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def _pay_form(trade: dict, action: str, error: str | None = None) -> str:
    total = trade["amount"]["total"]
    err = f"<p class=error>{html.escape(error)}</p>" if error else ""
    return (f"<h1>微信支付</h1><p class=merchant>{html.escape(trade['description'])}</p>"
            f"<p class=amount>¥{total // 100}.{total % 100:02d}</p>{err}"
            f"<form method=post action=\"{html.escape(action)}\">"
            "<button name=action value=pay>确认支付</button>"
            "<button name=action value=cancel>取消</button></form>")


async def _sim_body(request: web.BaseRequest) -> dict:
    raw = await request.read()
    if len(raw) > MAX_SIM_BODY_BYTES:
        raise SimError(413, f"body over {MAX_SIM_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    text = raw.decode("utf-8", "replace")
    if json_depth(text) > MAX_SIM_JSON_DEPTH:
        raise SimError(400, f"JSON nested deeper than {MAX_SIM_JSON_DEPTH} levels")
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise SimError(400, f"body: not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise SimError(400, "body: a JSON object")
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def page_url(base_url: str, prepay_id: str, redirect_url: str | None = None) -> str:
    """The H5 pay page for a prepay id (what h5_url points at), optionally with the merchant's redirect_url."""
    url = f"{base_url}/pay/wx/checkmweb?{urlencode({'prepay_id': prepay_id})}"
    return url + (f"&{urlencode({'redirect_url': redirect_url})}" if redirect_url else "")
