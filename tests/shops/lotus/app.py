"""荷花花坊: a flower shop whose customers pay on Alipay's cashier page, or on WeChat Pay's when Alipay
cannot take the order.

POST /api/checkout {order_id, amount (fen)} -> {"order_id", "status": "pending", "pay_url", "pay_with",
    "message"} (the customer is sent to pay_url), or {"status": "paid" | "failed", "message", "alternatives"}
GET  /pay/back/alipay?o=ID[&Alipay's signed return parameters] -> where Alipay's cashier sends the customer
GET  /pay/back/wechat?o=ID -> where WeChat Pay's H5 page sends the customer
GET  /api/orders/<id> -> {"status": paid | pending | failed | canceled | refunded, "message", "pay_with",
                          "fulfilled": bouquets sent}
POST /api/orders/<id>/cancel -> a refund when paid, a close otherwise
POST /notify/alipay, /notify/wechat -> the gateways' signed notifications

Alipay first: `alipay.trade.page.pay` (python-alipay-sdk builds the signed URL; the browser opens it).
Before sending a customer there the shop asks Alipay about the order's trade (`alipay.trade.query`): a
trade already paid is not paid twice, and an Alipay that does not answer is taken as down. Only an order
that was never sent to Alipay's cashier falls back to WeChat Pay H5 (wechatpayv3), under its own
out_trade_no; one that was, and whose fate Alipay cannot tell, waits ("确认中") for Alipay's word.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import quote

from alipay import AliPay
from flask import Flask, jsonify, request
from wechatpayv3 import WeChatPay, WeChatPayType

from tests.shops import wallets

TITLE = "荷花花坊-一束白荷"
DEFECTS = {
    "double_gateway": "a customer back from Alipay without its signed return is sent to WeChat Pay at once: "
                      "the Alipay trade is neither queried nor closed, so a payment whose answer was lost is "
                      "made again at WeChat Pay",
    "trust_return": "marks the order paid whenever the customer lands on the return page, without checking "
                    "Alipay's signature or asking Alipay",
}
ALTERNATIVES = ["wechatpay", "bank_transfer"]
SAY = {
    "alipay": "请在支付宝收银台完成付款。",
    "wechatpay": "支付宝暂时无法受理，已为您换成微信支付：请在微信中完成付款。",
    "paid": "付款成功！鲜花将按时为您配送，谢谢惠顾。",
    "pending": "付款结果正在确认，请勿重复付款；确认后我们会短信通知您。",
    "unpaid": "支付宝付款没有完成，没有扣款。您可以改用微信支付或银行转账，或稍后再试。",
    "down": "支付宝和微信支付暂时都无法使用，没有扣款。请稍后再试，或改用银行转账。",
    "canceled": "订单已取消。",
    "refunded": "已退款，款项将原路退回。",
    "refunding": "退款处理中，请稍后查看。",
    "bad": "订单信息不完整，请重新下单。",
    "unknown": "订单不存在。",
}


def parse_defects(text: str | None) -> frozenset[str]:
    return wallets.planted("LOTUS_DEFECTS", DEFECTS, text)


class Shop:
    def __init__(self, ali: AliPay, wx: WeChatPay, public_url: str, defects: frozenset[str] = frozenset()):
        self.ali, self.wx, self.public_url, self.defects = ali, wx, public_url, defects
        self.lock = threading.Lock()
        self.orders: dict[str, dict] = {}
        self.by_trade: dict[str, str] = {}   # out_trade_no (either gateway) -> order id

    # -- checkout ----------------------------------------------------------------------------------

    def checkout(self, body: dict) -> dict:
        order_id, amount = body.get("order_id"), body.get("amount")
        if not isinstance(order_id, str) or not order_id or not isinstance(amount, int) or amount <= 0:
            return {"status": "failed", "message": SAY["bad"]}
        key = "".join(ch for ch in order_id if ch.isalnum())[-28:]
        with self.lock:
            order = self.orders.setdefault(order_id, {
                "order_id": order_id, "amount": amount, "status": "new", "fulfilled": 0, "paid_with": None,
                "ali_trade": "HH" + key, "sent_to_alipay": False, "wx_trade": None, "wx_url": None,
                "refund_no": None, "why": None})
            self.by_trade[order["ali_trade"]] = order_id
        if order["status"] == "paid":
            return self.answer(order)
        if order["wx_url"]:   # already moved to WeChat Pay: the same WeChat order again
            return {**self.answer(order, SAY["wechatpay"]), "pay_url": order["wx_url"]}
        state = self.alipay_state(order)
        if state == "paid":
            return self.answer(order)
        if state in ("none", "waiting"):
            return self.to_alipay(order)
        if state is None and order["sent_to_alipay"]:
            order["status"] = "pending"   # it may be paid at Alipay: never a second gateway for it
            return self.answer(order)
        return self.to_wechat(order)      # Alipay does not answer (or closed the trade): the backup

    def alipay_state(self, order: dict) -> str | None:
        """What Alipay knows of the order's trade: none | waiting | paid | closed; None: no answer."""
        try:
            answer = self.ali.api_alipay_trade_query(out_trade_no=order["ali_trade"])
        except Exception:  # noqa: BLE001 - no answer, an HTTP error, or a signature that did not verify
            return None
        if not isinstance(answer, dict):
            return None
        if answer.get("code") == "40004" and answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return "none"
        if answer.get("code") != "10000":
            return None
        status = answer.get("trade_status")
        if status in ("TRADE_SUCCESS", "TRADE_FINISHED") and answer.get("total_amount") == wallets.yuan(order["amount"]):
            self._paid(order, "alipay")
            return "paid"
        return {"WAIT_BUYER_PAY": "waiting", "TRADE_CLOSED": "closed"}.get(status)

    def to_alipay(self, order: dict) -> dict:
        back = f"{self.public_url}/pay/back/alipay?o={quote(order['order_id'])}"
        signed = self.ali.api_alipay_trade_page_pay(subject=TITLE, out_trade_no=order["ali_trade"],
                                                    total_amount=wallets.yuan(order["amount"]), return_url=back,
                                                    passback_params=f"order_id={order['order_id']}")
        with self.lock:
            order.update(status="pending", sent_to_alipay=True)
        return {**self.answer(order, SAY["alipay"]), "pay_url": f"{self.ali._gateway}?{signed}", "pay_with": "alipay"}

    def to_wechat(self, order: dict) -> dict:
        trade = "WX" + order["ali_trade"][2:]
        back = f"{self.public_url}/pay/back/wechat?o={quote(order['order_id'])}"
        try:
            code, text = self.wx.pay(description=TITLE, out_trade_no=trade, attach=order["order_id"],
                                     amount={"total": order["amount"], "currency": "CNY"},
                                     notify_url=f"{self.public_url}/notify/wechat",
                                     scene_info={"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}})
            h5 = wallets.json_object(text).get("h5_url") if code == 200 else None
        except Exception:  # noqa: BLE001 - no answer, or one whose signature the SDK refused
            h5 = None
        if not isinstance(h5, str) or not h5:
            if order["status"] != "paid":
                order["status"] = "failed"
            return {**self.answer(order, SAY["down"]), "alternatives": ["bank_transfer"]}
        url = h5 + "&redirect_url=" + quote(back, safe="")
        with self.lock:
            self.by_trade[trade] = order["order_id"]
            order.update(status="pending", wx_trade=trade, wx_url=url)
        return {**self.answer(order, SAY["wechatpay"]), "pay_url": url, "pay_with": "wechatpay"}

    # -- the customer is back ----------------------------------------------------------------------

    def back_from_alipay(self, order: dict, fields: dict) -> dict:
        if "trust_return" in self.defects:
            self._paid(order, "alipay")   # landed on the return page: taken for paid, nothing checked
            return self.answer(order)
        signed = self._signed_return(order, fields)
        if "double_gateway" in self.defects and not signed:
            return self.to_wechat(order)  # "Alipay did not say paid": off to WeChat Pay, Alipay never asked
        if order["status"] == "paid":
            return self.answer(order)
        state = self.alipay_state(order)
        if state == "paid":
            return self.answer(order)
        if state is None:
            if signed:   # Alipay's signed word that the customer paid; its notification will follow
                self._paid(order, "alipay")
                return self.answer(order)
            order["status"] = "pending"
            return self.answer(order)
        if state == "waiting" and not self._close_alipay(order):
            order["status"] = "pending"
            return self.answer(order)
        if order["status"] != "paid":   # closed (or never opened): no money at Alipay
            order["status"], order["why"] = "failed", "unpaid"
        return self.answer(order)

    def _signed_return(self, order: dict, fields: dict) -> bool:
        """Alipay's return parameters, signed with Alipay's key, for this order's trade and amount."""
        data = {k: v for k, v in fields.items() if k != "o"}
        return wallets.alipay_signed(self.ali, data) and data.get("out_trade_no") == order["ali_trade"] and \
            data.get("total_amount") == wallets.yuan(order["amount"]) and data.get("app_id") == self.ali.appid

    def _close_alipay(self, order: dict) -> bool:
        """Close the unpaid Alipay trade before another way to pay is offered; False: its fate is unknown."""
        try:
            answer = self.ali.api_alipay_trade_close(out_trade_no=order["ali_trade"])
        except Exception:  # noqa: BLE001
            return False
        if not isinstance(answer, dict):
            return False
        if answer.get("code") == "10000":
            return True
        if answer.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":   # paid meanwhile, or already closed
            return self.alipay_state(order) == "closed"
        return False

    def back_from_wechat(self, order: dict) -> dict:
        if order["status"] != "paid" and order["wx_trade"]:
            try:
                code, text = self.wx.query(out_trade_no=order["wx_trade"])
                if code == 200:
                    self._wechat_state(order, wallets.json_object(text))
            except Exception:  # noqa: BLE001 - no answer: its notification will tell
                pass
        return self.answer(order)

    # -- notifications -----------------------------------------------------------------------------

    def alipay_notice(self, fields: dict) -> str:
        if not wallets.alipay_signed(self.ali, fields):
            return "fail"
        order = self.orders.get(self.by_trade.get(fields.get("out_trade_no", ""), ""))
        if order is not None and fields.get("app_id") == self.ali.appid and \
                fields.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED") and \
                fields.get("total_amount") == wallets.yuan(order["amount"]):
            self._paid(order, "alipay")
        return "success"

    def wechat_notice(self, headers: dict, body: str) -> tuple[int, dict]:
        checked = wallets.wechat_checked(self.wx, headers, body)
        if not checked:
            return wallets.WECHAT_REFUSED
        txn = checked.get("resource") or {}
        order = self.orders.get(self.by_trade.get(txn.get("out_trade_no", ""), ""))
        if order is not None:
            self._wechat_state(order, txn)
        return wallets.WECHAT_TAKEN

    def _wechat_state(self, order: dict, txn: dict) -> None:
        if txn.get("out_trade_no") == order["wx_trade"] and txn.get("trade_state") == "SUCCESS" and \
                (txn.get("amount") or {}).get("total") == order["amount"]:
            self._paid(order, "wechatpay")

    def _paid(self, order: dict, gateway: str) -> None:
        with self.lock:
            if order["status"] != "paid":
                order.update(status="paid", paid_with=gateway, why=None)
                order["fulfilled"] += 1   # the bouquet is sent once, however many notices say paid

    # -- after the sale ----------------------------------------------------------------------------

    def cancel(self, order: dict) -> dict:
        if order["status"] == "paid":
            order["refund_no"] = order["refund_no"] or "RF" + order["ali_trade"][2:]
            if order["paid_with"] == "wechatpay":
                done = wallets.wechat_refund(self.wx, trade_no=order["wx_trade"], refund_no=order["refund_no"],
                                             fen=order["amount"])
            else:
                done = wallets.alipay_refund(self.ali, trade_no=order["ali_trade"], refund_no=order["refund_no"],
                                             fen=order["amount"])
            if done:
                order["status"] = "refunded"
            return self.answer(order, None if done else SAY["refunding"])
        if order["sent_to_alipay"] and not self._close_alipay(order) and self.alipay_state(order) == "paid":
            return self.cancel(order)   # it was paid after all: refund it
        if order["wx_trade"]:
            wallets.wechat_close(self.wx, order["wx_trade"])
        order["status"] = "canceled"
        return self.answer(order)

    def answer(self, order: dict, message: str | None = None) -> dict:
        status = order["status"]
        if message is None:
            message = SAY["unpaid"] if status == "failed" else SAY.get(status, SAY["pending"])
        out = {"order_id": order["order_id"], "status": status, "message": message, "pay_with": order["paid_with"],
               "fulfilled": order["fulfilled"]}
        if status == "failed":
            out["alternatives"] = ALTERNATIVES
        return out


def create_app() -> Flask:
    defects = parse_defects(os.environ.get("LOTUS_DEFECTS"))
    public = os.environ.get("LOTUS_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    shop = Shop(wallets.alipay_client(public + "/notify/alipay"), wallets.wechatpay_client(WeChatPayType.H5),
                public, defects)
    app = wallets.wallet_app("lotus", shop.checkout, wechat_notice=shop.wechat_notice,
                             alipay_notice=shop.alipay_notice)

    def unknown(order_id: str):
        return jsonify({"order_id": order_id, "status": "failed", "message": SAY["unknown"]}), 404

    @app.get("/pay/back/alipay")
    def back_alipay():
        found = shop.orders.get(request.args.get("o", ""))
        return jsonify(shop.back_from_alipay(found, request.args.to_dict())) if found else unknown(request.args.get("o", ""))

    @app.get("/pay/back/wechat")
    def back_wechat():
        found = shop.orders.get(request.args.get("o", ""))
        return jsonify(shop.back_from_wechat(found)) if found else unknown(request.args.get("o", ""))

    @app.get("/api/orders/<order_id>")
    def order(order_id):
        found = shop.orders.get(order_id)
        if found is None:
            return jsonify({"order_id": order_id, "status": "new", "message": SAY["unknown"]}), 404
        return jsonify(shop.answer(found))

    @app.post("/api/orders/<order_id>/cancel")
    def cancel(order_id):
        found = shop.orders.get(order_id)
        return jsonify(shop.cancel(found)) if found else unknown(order_id)

    return app
