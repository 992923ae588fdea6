"""What the wallet shops (bamboo, jade, lotus; plum in part) share to the letter: planted defects read from a
`NAME_DEFECTS` setting, the SDK clients built from the environment (wechatpayv3, python-alipay-sdk), yuan
from fen, a JSON object from an answer's text, full refunds, checking a notification and answering it, and
the routes every one of them has (GET /healthz, POST /api/checkout, POST /notify/wechat, /notify/alipay).

Plumbing only: each shop keeps its own order ids, words, states and flow; nothing here decides whether an
order is paid. The SDKs are imported where they are used, so a shop on one wallet needs only its SDK.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, jsonify, request

if TYPE_CHECKING:
    from alipay import AliPay
    from wechatpayv3 import WeChatPay, WeChatPayType

# WeChat Pay's notification answers: refused (it sends it again later), and taken
WECHAT_REFUSED = (400, {"code": "FAIL", "message": "签名验证失败"})
WECHAT_TAKEN = (200, {"code": "SUCCESS", "message": "成功"})
REFUND_REASON = "顾客取消订单"


class UnknownDefect(ValueError):
    pass


def planted(setting: str, known: Iterable[str], text: str | None) -> frozenset[str]:
    """`"a, b"` -> {"a", "b"}; a name not in `known` raises UnknownDefect naming the setting and the valid
    names."""
    known = tuple(known)
    names = {p.strip() for p in (text or "").split(",") if p.strip()}
    unknown = sorted(names - set(known))
    if unknown:
        raise UnknownDefect(f"{setting}: unknown defect(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    return frozenset(names)


# -- the SDK clients, from the environment --------------------------------------------------------------

def wechatpay_client(kind: WeChatPayType) -> WeChatPay:
    """wechatpayv3's client (NATIVE: a QR code, H5: a pay page) at WECHATPAY_API_BASE."""
    from wechatpayv3 import WeChatPay

    env = os.environ
    wx = WeChatPay(wechatpay_type=kind, mchid=env["WECHATPAY_MCHID"],
                   private_key=Path(env["WECHATPAY_PRIVATE_KEY_FILE"]).read_text(),
                   cert_serial_no=env["WECHATPAY_SERIAL_NO"], appid=env["WECHATPAY_APPID"],
                   apiv3_key=Path(env["WECHATPAY_APIV3_KEY_FILE"]).read_text().strip(),
                   cert_dir=env["WECHATPAY_CERT_DIR"], timeout=(3, 10))
    wx._core._gate_way = env["WECHATPAY_API_BASE"].rstrip("/")   # the one setting the SDK takes no argument for
    return wx


def alipay_client(notify_url: str) -> AliPay:
    """python-alipay-sdk's client (RSA2) at ALIPAY_GATEWAY_URL, its notifications sent to `notify_url`."""
    from alipay import AliPay

    env = os.environ
    ali = AliPay(appid=env["ALIPAY_APP_ID"], app_notify_url=notify_url,
                 app_private_key_string=Path(env["ALIPAY_APP_PRIVATE_KEY_FILE"]).read_text(),
                 alipay_public_key_string=Path(env["ALIPAY_PUBLIC_KEY_FILE"]).read_text(), sign_type="RSA2")
    ali._gateway = env["ALIPAY_GATEWAY_URL"]   # likewise
    return ali


# -- amounts and answers ----------------------------------------------------------------------------------

def yuan(fen: int) -> str:
    """1234 -> "12.34" (Alipay's amounts are yuan strings, with two decimals)."""
    return f"{fen // 100}.{fen % 100:02d}"


def json_object(text) -> dict:
    """An answer's body as a dict; {} when it is empty, not JSON, or not an object."""
    try:
        data = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def wechat_refund(wx: WeChatPay, *, trade_no: str, refund_no: str, fen: int) -> bool:
    """Refund the trade in full; True once WeChat Pay took the refund (SUCCESS or PROCESSING)."""
    try:
        code, text = wx.refund(out_refund_no=refund_no, out_trade_no=trade_no,
                               amount={"refund": fen, "total": fen, "currency": "CNY"}, reason=REFUND_REASON)
    except Exception:  # noqa: BLE001 - no answer, or one whose signature the SDK refused
        return False
    return code == 200 and json_object(text).get("status") in ("SUCCESS", "PROCESSING")


def alipay_refund(ali: AliPay, *, trade_no: str, refund_no: str, fen: int) -> bool:
    """Refund the trade in full; True once Alipay answered 10000."""
    try:
        answer = ali.api_alipay_trade_refund(yuan(fen), out_trade_no=trade_no, out_request_no=refund_no)
    except Exception:  # noqa: BLE001 - no answer, or one that did not verify
        return False
    return isinstance(answer, dict) and answer.get("code") == "10000"


def wechat_close(wx: WeChatPay, trade_no: str) -> None:
    """Close an unpaid trade at WeChat Pay, as far as it answers (its own time_expire closes it anyway)."""
    try:
        wx.close(out_trade_no=trade_no)
    except Exception:  # noqa: BLE001
        pass


# -- notifications --------------------------------------------------------------------------------------

def wechat_checked(wx: WeChatPay, headers: dict, body: str) -> dict | None:
    """WeChat Pay's notification as the SDK checked it (signature, then decryption of its resource), or
    None when it does not hold."""
    try:
        return wx.callback(headers, body) or None
    except Exception:  # noqa: BLE001 - the SDK raises on a notification it cannot check
        return None


def alipay_signed(ali: AliPay, fields: dict) -> bool:
    """Whether Alipay's notification (or signed return) carries Alipay's signature over its fields."""
    data = dict(fields)
    sign = data.pop("sign", None)
    try:
        return bool(sign) and bool(ali.verify(data, sign))
    except Exception:  # noqa: BLE001 - an unknown sign_type, a signature that is not base64
        return False


# -- the routes every wallet shop has --------------------------------------------------------------------

def wallet_app(name: str, checkout: Callable[[dict], dict], *,
               wechat_notice: Callable[[dict, str], tuple[int, dict]] | None = None,
               alipay_notice: Callable[[dict], str] | None = None) -> Flask:
    """The shop's Flask app with GET /healthz, POST /api/checkout (a JSON object, else {}, to `checkout`), and
    the notification routes it takes: /notify/wechat (headers and text in, status and JSON out) and
    /notify/alipay (the form in, `success` or `fail` out as text). Chinese is sent as it is."""
    app = Flask(name)
    app.json.ensure_ascii = False

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.post("/api/checkout")
    def place():
        body = request.get_json(silent=True)
        return jsonify(checkout(body if isinstance(body, dict) else {}))

    if wechat_notice is not None:
        @app.post("/notify/wechat")
        def wechat():
            status, answer = wechat_notice(dict(request.headers), request.get_data(as_text=True))
            return jsonify(answer), status

    if alipay_notice is not None:
        @app.post("/notify/alipay")
        def alipay():
            return alipay_notice(request.form.to_dict()), 200, {"Content-Type": "text/plain"}

    return app
