"""The shop's HTTP API (Flask) over wechatpayv3.

- POST /api/checkout {order_id, amount, name, email} -> {"order_id", "status": "pending", "pay_url"} (the
  H5 pay page, with our /pay/return as its redirect_url) or {"status": "failed", "message", "alternatives"}
- GET /pay/return?o=ORDER -> the customer is back: {"order_id", "status": paid | pending | failed, "message"}
- POST /notify/wechat -> WeChat Pay's notification, checked with the SDK (signature, then decryption)
- GET /api/orders/ORDER, POST /api/orders/ORDER/cancel (a refund when paid, a close otherwise)
"""

from __future__ import annotations

import json
import os
import threading
import time
from urllib.parse import quote

import requests
from flask import Flask, jsonify, request
from wechatpayv3 import WeChatPay, WeChatPayType

from tests.shops import wallets

DEFECTS = {
    "notify_unverified": "reads a notification's resource without checking WeChat Pay's signature",
    "not_exist_unpaid": "a query answering ORDER_NOT_EXIST is taken as 'not paid' (no second query, no wait)",
    "new_out_trade_no": "every order call (a retry after an error, a second click on pay) uses a new "
                        "out_trade_no instead of the order's own",
}
ALTERNATIVES = ["alipay", "bank_transfer"]
RETRYABLE = ("SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANKERROR")


def parse_defects(text: str | None) -> frozenset[str]:
    return wallets.planted("JADE_DEFECTS", DEFECTS, text)


class Shop:
    def __init__(self, wx: WeChatPay, defects: frozenset[str], public_url: str):
        self.wx = wx
        self.defects = defects
        self.public_url = public_url
        self.lock = threading.Lock()
        self.orders: dict[str, dict] = {}
        self.by_trade: dict[str, str] = {}   # out_trade_no -> order id
        self.seq = 0

    def _new_trade_no(self, order: dict) -> str:
        with self.lock:
            self.seq += 1
            no = f"JD{self.seq:05d}T{int(time.time()) % 100000:05d}"   # no long digit runs: never PAN-like
            self.by_trade[no] = order["order_id"]
            order["trade_nos"].append(no)
        return no

    # -- checkout --------------------------------------------------------------------------------

    def checkout(self, body: dict) -> dict:
        order_id, amount = body.get("order_id"), body.get("amount")
        if not isinstance(order_id, str) or not order_id or not isinstance(amount, int) or amount <= 0:
            return {"status": "failed", "message": "订单信息不完整，请重新下单。"}
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                order = {"order_id": order_id, "amount": amount, "status": "new", "trade_nos": [], "refund_no": None,
                         "paid_trade": None}
                self.orders[order_id] = order
        if order["status"] == "paid":
            return self.answer(order, "支付成功，感谢您的购买！")
        fresh = "new_out_trade_no" in self.defects or not order["trade_nos"]
        trade_no = self._new_trade_no(order) if fresh else order["trade_nos"][-1]
        back = f"{self.public_url}/pay/return?o={quote(order_id)}"
        for attempt in range(3):
            try:
                code, text = self.wx.pay(description="翠玉茶庄-明前龙井", out_trade_no=trade_no,
                                         amount={"total": amount, "currency": "CNY"}, attach=order_id,
                                         notify_url=f"{self.public_url}/notify/wechat",
                                         scene_info={"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}})
                answer = wallets.json_object(text)
            except requests.RequestException:
                code, answer = None, {}
            except Exception:  # noqa: BLE001 - the SDK raises a bare Exception when a signature fails
                code, answer = None, {"code": "SIGN_ERROR"}
            if code == 200 and answer.get("h5_url"):
                order["status"] = "pending"
                return {**self.answer(order, "请在微信中完成支付"),
                        "pay_url": answer["h5_url"] + "&redirect_url=" + quote(back, safe="")}
            if answer.get("code") == "ORDERPAID":
                return self.settle_by_query(order, trade_no)
            if code is not None and answer.get("code") not in RETRYABLE and (code < 500 and code != 429):
                break
            time.sleep(0.2 * (attempt + 1))
            if "new_out_trade_no" in self.defects:
                trade_no = self._new_trade_no(order)
        order["status"] = "failed"
        return {**self.answer(order, "微信支付暂时不可用，请稍后重试或选择其他支付方式（支付宝、银行转账）。"),
                "alternatives": ALTERNATIVES}

    # -- what happened: the customer is back, a notification came ------------------------------------

    def back_from_pay_page(self, order_id: str) -> dict:
        order = self.orders.get(order_id)
        if order is None:
            return {"order_id": order_id, "status": "failed", "message": "订单不存在"}
        if order["status"] == "paid":
            return self.answer(order, "支付成功，感谢您的购买！")
        return self.settle_by_query(order, order["trade_nos"][-1])

    def settle_by_query(self, order: dict, trade_no: str) -> dict:
        tries = 1 if "not_exist_unpaid" in self.defects else 4
        for i in range(tries):
            try:
                code, text = self.wx.query(out_trade_no=trade_no)
                answer = wallets.json_object(text)
            except Exception:  # noqa: BLE001 - transport error or a signature the SDK refused
                code, answer = None, {}
            if code == 200:
                return self.apply_state(order, answer)
            if code == 404 and answer.get("code") == "ORDER_NOT_EXIST" and "not_exist_unpaid" in self.defects:
                order["status"] = "failed"
                return {**self.answer(order, "支付失败，请重新下单。"), "alternatives": ALTERNATIVES}
            if order["status"] == "paid":   # the notification came meanwhile
                return self.answer(order, "支付成功，感谢您的购买！")
            time.sleep(0.3 * (i + 1))
        return self.answer(order, "支付结果正在确认，请稍候，我们确认后会通知您。")

    def apply_state(self, order: dict, txn: dict) -> dict:
        state = txn.get("trade_state")
        if state in ("SUCCESS", "REFUND"):
            if txn.get("amount", {}).get("total") == order["amount"]:
                self.mark_paid(order, txn)
                return self.answer(order, "支付成功，感谢您的购买！")
        if state == "PAYERROR":
            order["status"] = "failed"
            desc = txn.get("trade_state_desc") or ""
            if "余额不足" in desc:
                words = "支付失败：微信零钱余额不足，请使用其他支付方式（支付宝、银行转账）。"
            elif "冻结" in desc or "异常" in desc:
                words = "支付失败：您的微信支付账户被冻结或受限，请使用其他支付方式，或联系客服。"
            else:
                words = "支付失败，请稍后重试或使用其他支付方式。"
            return {**self.answer(order, words), "alternatives": ALTERNATIVES}
        if state == "CLOSED":
            if order["status"] == "canceled":   # the customer canceled it: we closed it
                return self.answer(order, "订单已取消")
            order["status"] = "failed"           # its time ran out before the customer paid: nothing charged
            return {**self.answer(order, "订单已关闭（超时未支付），未扣款。请重新下单，或使用其他支付方式（支付宝、银行转账）。"),
                    "alternatives": ALTERNATIVES}
        if order["status"] == "paid":
            return self.answer(order, "支付成功，感谢您的购买！")
        order["status"] = "pending"
        return self.answer(order, "尚未收到付款，支付结果正在确认。")

    def mark_paid(self, order: dict, txn: dict) -> None:
        with self.lock:
            if order["status"] != "paid":
                order["status"] = "paid"
                order["paid_trade"] = txn.get("out_trade_no")

    def notification(self, headers: dict, body: str) -> tuple[int, dict]:
        if "notify_unverified" in self.defects:
            from wechatpayv3.utils import aes_decrypt
            data = json.loads(body)
            res = data.get("resource") or {}
            plain = aes_decrypt(res.get("nonce", ""), res.get("ciphertext", ""), res.get("associated_data", ""),
                                self.wx._core._apiv3_key)
            checked = {**data, "resource": json.loads(plain)} if plain else None
        else:
            checked = wallets.wechat_checked(self.wx, headers, body)
        if not checked:
            return wallets.WECHAT_REFUSED
        txn = checked.get("resource") or {}
        if checked.get("event_type") == "TRANSACTION.SUCCESS":
            order = self.orders.get(self.by_trade.get(txn.get("out_trade_no"), "") or txn.get("attach", ""))
            if order is not None:
                self.apply_state(order, txn)
        return wallets.WECHAT_TAKEN

    # -- after the sale --------------------------------------------------------------------------

    def cancel(self, order_id: str) -> dict:
        order = self.orders.get(order_id)
        if order is None:
            return {"order_id": order_id, "status": "failed", "message": "订单不存在"}
        if order["status"] == "paid":
            order["refund_no"] = order["refund_no"] or "RF" + order["paid_trade"]
            for _ in range(3):
                if wallets.wechat_refund(self.wx, trade_no=order["paid_trade"], refund_no=order["refund_no"],
                                         fen=order["amount"]):
                    order["status"] = "refunded"
                    return self.answer(order, "已退款，款项将原路退回。")
                time.sleep(0.3)
            return self.answer(order, "退款处理中，请稍后查看。")
        for no in order["trade_nos"]:
            wallets.wechat_close(self.wx, no)
        order["status"] = "canceled"
        return self.answer(order, "订单已取消")

    def answer(self, order: dict, message: str) -> dict:
        return {"order_id": order["order_id"], "status": order["status"], "message": message}


def create_app() -> Flask:
    defects = parse_defects(os.environ.get("JADE_DEFECTS"))
    shop = Shop(wallets.wechatpay_client(WeChatPayType.H5), defects,
                os.environ.get("JADE_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"))
    app = wallets.wallet_app("jade", shop.checkout, wechat_notice=shop.notification)

    @app.get("/pay/return")
    def back():
        return jsonify(shop.back_from_pay_page(request.args.get("o", "")))

    @app.get("/api/orders/<order_id>")
    def order(order_id):
        found = shop.orders.get(order_id)
        if found is None:
            return jsonify({"order_id": order_id, "status": "new", "message": "订单不存在"}), 404
        return jsonify({k: found[k] for k in ("order_id", "status", "amount", "trade_nos")})

    @app.post("/api/orders/<order_id>/cancel")
    def cancel(order_id):
        return jsonify(shop.cancel(order_id))

    return app
