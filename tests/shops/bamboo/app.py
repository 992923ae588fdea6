"""竹林面馆: a noodle shop whose checkout shows a QR code to scan.

POST /api/checkout {order_id, amount (fen)} -> {"order_id", "status": "pending", "qr", "pay_with",
    "message"} (the customer scans `qr`), or {"status": "failed", "message", "alternatives"}
GET  /api/orders/<id> -> {"status": paid | pending | failed | canceled | refunded, "message", "fulfilled"}
    (the QR page polls this; a pending order is asked about at its wallet once per poll)
POST /notify/wechat   WeChat Pay's notification, checked by the wechatpayv3 SDK (signature, decryption)
POST /notify/alipay   Alipay's notification, verified with Alipay's public key; answers `success`
POST /api/orders/<id>/cancel -> a refund when paid, a close otherwise

WeChat Pay Native (wechatpayv3) is the first choice (BAMBOO_FIRST=alipay: Alipay first). When that
gateway cannot take the order (a 5xx, a rate limit, no answer), the order is offered as a QR code of the
other one instead (alipay.trade.precreate with python-alipay-sdk), under its own out_trade_no.

A code lives BAMBOO_QR_TTL_S seconds (default 300): the shop gives the gateway that time_expire, and
gives the order up (canceled, "二维码已过期") when the gateway says the trade closed or its own deadline
passes, closing the code at the gateway. Money that comes for an order given up is refunded.
"""

from __future__ import annotations

import datetime
import os
import threading
import time

from alipay import AliPay
from flask import Flask, jsonify
from wechatpayv3 import WeChatPay, WeChatPayType

from tests.shops import wallets

TITLE = "竹林面馆-红烧牛肉面"
DEFECTS = {
    "paid_on_qr": "takes an order for paid (and starts cooking) as soon as its QR code is shown",
    "never_close": "gives an order up at its own deadline without closing its code at the gateway (and gives "
                   "the code no time_expire), and keeps money a late scan brings for it",
}
CST = datetime.timezone(datetime.timedelta(hours=8))
DEFAULT_TTL_S = 300
ALTERNATIVES = ["cash", "bank_transfer"]
SAY = {
    "wechatpay": "请打开微信“扫一扫”，扫描二维码付款。",
    "alipay": "微信支付暂时不可用，已为您换成支付宝：请打开支付宝“扫一扫”付款。",
    "paid": "付款成功，厨房已开始为您煮面，谢谢惠顾！",
    "pending": "等待您扫码付款……付款后本页会自动更新。",
    "failed": "付款没有成功，没有扣款。请换一种方式付款（现金、银行转账），或稍后再试。",
    "NOTENOUGH": "付款没有成功：微信零钱余额不足。请换一种方式付款（现金、银行转账）。",
    "FROZEN": "付款没有成功：您的支付账户被冻结或异常。请换一种方式付款，或联系客服。",
    "down": "暂时无法生成付款二维码（微信支付和支付宝都不可用），请稍后再试，或到柜台用现金付款。",
    "canceled": "订单已取消。",
    "expired": "二维码已过期，订单已取消，没有扣款。请重试下单，获取新的二维码。",
    "late_refunded": "二维码已过期，订单已取消；您之后的付款已原路退回。",
    "refunded": "已退款，款项将原路退回。",
    "bad": "订单信息不完整，请重新下单。",
}


def parse_defects(text: str | None) -> frozenset[str]:
    return wallets.planted("BAMBOO_DEFECTS", DEFECTS, text)


def parse_ttl(text: str | None) -> float:
    try:
        ttl = float(text) if text else DEFAULT_TTL_S
    except ValueError:
        ttl = 0.0
    if not 1 <= ttl <= 7200:
        raise wallets.UnknownDefect(f"BAMBOO_QR_TTL_S: {text!r} is not a number of seconds from 1 to 7200")
    return ttl


class Shop:
    def __init__(self, wx: WeChatPay, ali: AliPay, public_url: str, defects: frozenset[str] = frozenset(),
                 ttl_s: float = DEFAULT_TTL_S, first: str = "wechatpay"):
        self.wx, self.ali, self.public_url, self.defects = wx, ali, public_url, defects
        self.ttl_s = ttl_s
        self.gateways = (("alipay", self._alipay_qr), ("wechatpay", self._wechat_qr)) if first == "alipay" else (
            ("wechatpay", self._wechat_qr), ("alipay", self._alipay_qr))
        self.lock = threading.Lock()
        self.orders: dict[str, dict] = {}
        self.by_trade: dict[str, str] = {}   # out_trade_no -> order id

    # -- checkout: a QR code to scan -----------------------------------------------------------------

    def checkout(self, body: dict) -> dict:
        order_id, amount = body.get("order_id"), body.get("amount")
        if not isinstance(order_id, str) or not order_id or not isinstance(amount, int) or amount <= 0:
            return {"status": "failed", "message": SAY["bad"]}
        with self.lock:
            order = self.orders.setdefault(order_id, {"order_id": order_id, "amount": amount, "status": "new",
                                                      "gateway": None, "trade_no": None, "qr": None,
                                                      "fulfilled": 0, "why": None, "refund_no": None,
                                                      "expires_at": None})
        if order["status"] == "paid":
            return self.answer(order)
        if order["qr"]:   # a second click shows the same code: one order, one payable trade
            return {**self.answer(order), "qr": order["qr"], "pay_with": order["gateway"]}
        order["expires_at"] = time.time() + self.ttl_s
        for gateway, make in self.gateways:
            trade_no = ("WX" if gateway == "wechatpay" else "ZFB") + order_id.replace("-", "_")[-28:]
            qr = make(order, trade_no)
            if qr:
                with self.lock:
                    order.update(status="pending", gateway=gateway, trade_no=trade_no, qr=qr)
                    self.by_trade[trade_no] = order_id
                if "paid_on_qr" in self.defects:
                    self._paid(order)
                return {**self.answer(order, SAY[gateway]), "qr": qr, "pay_with": gateway}
        order["status"] = "failed"
        return {**self.answer(order, SAY["down"]), "alternatives": ALTERNATIVES}

    def _wechat_qr(self, order: dict, trade_no: str) -> str | None:
        expiry = None if "never_close" in self.defects else datetime.datetime.fromtimestamp(
            int(order["expires_at"]) + 1, CST).isoformat(timespec="seconds")
        try:
            code, text = self.wx.pay(description=TITLE, out_trade_no=trade_no, attach=order["order_id"],
                                     amount={"total": order["amount"], "currency": "CNY"},
                                     notify_url=f"{self.public_url}/notify/wechat", time_expire=expiry)
        except Exception:  # noqa: BLE001 - no answer, or an answer whose signature the SDK refused
            return None
        url = wallets.json_object(text).get("code_url") if code == 200 else None
        return url if isinstance(url, str) and url else None

    def _alipay_qr(self, order: dict, trade_no: str) -> str | None:
        expiry = {} if "never_close" in self.defects else {"time_expire": datetime.datetime.fromtimestamp(
            int(order["expires_at"]) + 1, CST).strftime("%Y-%m-%d %H:%M:%S")}
        try:
            answer = self.ali.api_alipay_trade_precreate(subject=TITLE, out_trade_no=trade_no,
                                                         total_amount=wallets.yuan(order["amount"]),
                                                         passback_params=f"order_id={order['order_id']}", **expiry)
        except Exception:  # noqa: BLE001 - no answer, or one that did not verify
            return None
        qr = answer.get("qr_code") if isinstance(answer, dict) and answer.get("code") == "10000" else None
        return qr if isinstance(qr, str) and qr else None

    # -- what happened: notifications, and the QR page's polls --------------------------------------

    def wechat_notice(self, headers: dict, body: str) -> tuple[int, dict]:
        checked = wallets.wechat_checked(self.wx, headers, body)
        if not checked:
            return wallets.WECHAT_REFUSED
        txn = checked.get("resource") or {}
        order = self.orders.get(self.by_trade.get(txn.get("out_trade_no", ""), ""))
        if order is not None and order["gateway"] == "wechatpay":
            self._wechat_state(order, txn)
        return wallets.WECHAT_TAKEN

    def alipay_notice(self, fields: dict) -> str:
        if not wallets.alipay_signed(self.ali, fields):
            return "fail"
        order = self.orders.get(self.by_trade.get(fields.get("out_trade_no", ""), ""))
        if order is not None and order["gateway"] == "alipay" and fields.get("app_id") == self.ali.appid:
            self._alipay_state(order, fields)
        return "success"

    def poll(self, order: dict) -> None:
        """The QR page asks; a pending order is asked about at its wallet (a notification may be late), and
        given up once its code's time is out."""
        if order["status"] != "pending":
            return
        self._ask_wallet(order)
        if order["status"] == "pending" and time.time() >= (order["expires_at"] or float("inf")):
            self._give_up(order)

    def _ask_wallet(self, order: dict) -> None:
        try:
            if order["gateway"] == "wechatpay":
                code, text = self.wx.query(out_trade_no=order["trade_no"])
                if code == 200:
                    self._wechat_state(order, wallets.json_object(text))
            elif order["gateway"] == "alipay":
                answer = self.ali.api_alipay_trade_query(out_trade_no=order["trade_no"])
                if isinstance(answer, dict) and answer.get("code") == "10000":
                    self._alipay_state(order, answer)
        except Exception:  # noqa: BLE001 - no answer: still pending, the next poll asks again
            pass

    def _wechat_state(self, order: dict, txn: dict) -> None:
        state = txn.get("trade_state")
        if state == "SUCCESS" and (txn.get("amount") or {}).get("total") == order["amount"]:
            self._paid(order)
        elif state == "PAYERROR" and order["status"] == "pending":
            desc = txn.get("trade_state_desc") or ""
            order["why"] = "NOTENOUGH" if "余额不足" in desc else "FROZEN" if "冻结" in desc else None
            order["status"] = "failed"
        elif state == "CLOSED" and order["status"] == "pending":
            self._expired(order)

    def _alipay_state(self, order: dict, fields: dict) -> None:
        if fields.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED") and \
                fields.get("total_amount") == wallets.yuan(order["amount"]):
            self._paid(order)
        elif fields.get("trade_status") == "TRADE_CLOSED" and order["status"] == "pending":
            self._expired(order)

    def _paid(self, order: dict) -> None:
        with self.lock:
            if order["status"] in ("pending", "failed", "new"):
                order["status"] = "paid"
                order["fulfilled"] += 1   # the kitchen starts once, however many notices say paid
                return
            late = order["status"] == "canceled" and order["why"] == "expired"
        if late and "never_close" not in self.defects:
            self._refund(order, "late_refunded")   # money for an order given up goes back

    # -- a code whose time ran out -------------------------------------------------------------------

    def _give_up(self, order: dict) -> None:
        """The shop's own deadline: close the code at its gateway so no late scan can pay it."""
        if "never_close" not in self.defects:
            self._close(order)
            self._ask_wallet(order)   # paid just before the close: that stands
        if order["status"] == "pending":
            self._expired(order)

    def _expired(self, order: dict) -> None:
        with self.lock:
            if order["status"] == "pending":
                order.update(status="canceled", why="expired")

    # -- after the sale --------------------------------------------------------------------------

    def cancel(self, order: dict) -> dict:
        if order["status"] == "paid":
            done = self._refund(order)
            return self.answer(order, None if done else "退款处理中，请稍后查看。")
        if order["trade_no"]:
            self._close(order)
        order["status"] = "canceled"
        return self.answer(order)

    def _close(self, order: dict) -> None:
        """Close the order's code at its gateway, as far as it answers (the code's own time_expire closes it
        anyway)."""
        if order["gateway"] == "wechatpay":
            wallets.wechat_close(self.wx, order["trade_no"])
        else:
            try:
                self.ali.api_alipay_trade_close(out_trade_no=order["trade_no"])
            except Exception:  # noqa: BLE001
                pass

    def _refund(self, order: dict, why: str | None = None) -> bool:
        """Give the order's money back in full; True once the gateway took the refund."""
        order["refund_no"] = order["refund_no"] or "RF" + order["trade_no"]
        if order["gateway"] == "wechatpay":
            done = wallets.wechat_refund(self.wx, trade_no=order["trade_no"], refund_no=order["refund_no"],
                                         fen=order["amount"])
        else:
            done = wallets.alipay_refund(self.ali, trade_no=order["trade_no"], refund_no=order["refund_no"],
                                         fen=order["amount"])
        if done:
            order.update(status="refunded", why=why)
        return done

    def answer(self, order: dict, message: str | None = None) -> dict:
        status = order["status"]
        if message is None and order["why"] in ("expired", "late_refunded"):
            message = SAY[order["why"]]
        if message is None:
            message = SAY.get(order["why"] or "", SAY["failed"]) if status == "failed" else SAY.get(status, SAY["pending"])
        out = {"order_id": order["order_id"], "status": status, "message": message, "fulfilled": order["fulfilled"],
               "pay_with": order["gateway"]}
        if status == "failed":
            out["alternatives"] = ALTERNATIVES
        return out


def create_app() -> Flask:
    defects = parse_defects(os.environ.get("BAMBOO_DEFECTS"))
    ttl_s = parse_ttl(os.environ.get("BAMBOO_QR_TTL_S"))
    first = os.environ.get("BAMBOO_FIRST", "wechatpay")
    if first not in ("wechatpay", "alipay"):
        raise wallets.UnknownDefect(f"BAMBOO_FIRST: {first!r} (valid: wechatpay, alipay)")
    public = os.environ.get("BAMBOO_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    shop = Shop(wallets.wechatpay_client(WeChatPayType.NATIVE), wallets.alipay_client(public + "/notify/alipay"),
                public, defects, ttl_s, first)
    app = wallets.wallet_app("bamboo", shop.checkout, wechat_notice=shop.wechat_notice,
                             alipay_notice=shop.alipay_notice)

    @app.get("/api/orders/<order_id>")
    def order(order_id):
        found = shop.orders.get(order_id)
        if found is None:
            return jsonify({"order_id": order_id, "status": "new", "message": "订单不存在"}), 404
        shop.poll(found)
        return jsonify(shop.answer(found))

    @app.post("/api/orders/<order_id>/cancel")
    def cancel(order_id):
        found = shop.orders.get(order_id)
        if found is None:
            return jsonify({"order_id": order_id, "status": "failed", "message": "订单不存在"}), 404
        return jsonify(shop.cancel(found))

    return app
