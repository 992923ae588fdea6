"""牡丹饼屋: a phone-web mooncake shop whose customers pay in Alipay's mobile cashier
(`alipay.trade.wap.pay`, product QUICK_WAP_WAY), written on the official `alipay-sdk-python`.

POST /m/pay   form {cart, fen}  -> {"order_no", "state", "tip", "jump" (Alipay's cashier URL), "other_ways"}
GET  /m/back?cart=ID[&Alipay's return parameters]   return_url: the customer is back from the cashier
GET  /m/quit?cart=ID                                quit_url: the customer left the cashier unpaid
GET  /m/orders/<cart> -> {"order_no", "state", "tip", "boxes_sent"}
POST /m/orders/<cart>/cancel -> a refund when paid, a close otherwise
POST /m/alipay/notify   Alipay's asynchronous notification: its signature verified, then the boxes are sent

States (the shop's own words): 待付款 (waiting for the customer or for Alipay's word), 已付款, 未付款
(the cashier ended without money; the customer may pay again), 已取消, 已退款.

How it pays, and what each planted defect (PEONY_DEFECTS) breaks:
- An order's trades are numbered `<order_no>-<try>` (MD1203-0007-1, -2, ...). The cashier URL is signed
  by the SDK (page_execute, GET) and opened by the phone; no API call is made to send a customer there.
  A trade lives 30 minutes (timeout_express), and the shop closes one it gives up on (alipay.trade.close).
- Back from the cashier (return_url or quit_url) the shop asks Alipay (alipay.trade.query): the return
  parameters are never taken for money. `trust_return`: whoever lands on return_url is "paid".
- A customer who pays again for an order whose trade is closed (TRADE_CLOSED: timed out or closed by the
  shop) gets a new trade, `-<try+1>`: Alipay refuses to reopen a closed out_trade_no (ACQ.TRADE_HAS_CLOSE).
  `reuse_closed_trade`: the closed out_trade_no is sent to the cashier again, and the customer can never pay.
- Boxes are sent only on a notification whose signature verifies with Alipay's public key and whose
  app_id, trade and amount are the order's; a query's word marks the order paid, the notification ships it.
  `notify_unverified`: any notification saying TRADE_SUCCESS is believed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from urllib.parse import quote

from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayTradeCloseModel import AlipayTradeCloseModel
from alipay.aop.api.domain.AlipayTradeQueryModel import AlipayTradeQueryModel
from alipay.aop.api.domain.AlipayTradeRefundModel import AlipayTradeRefundModel
from alipay.aop.api.domain.AlipayTradeWapPayModel import AlipayTradeWapPayModel
from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.request.AlipayTradeWapPayRequest import AlipayTradeWapPayRequest
from alipay.aop.api.util.SignatureUtils import get_sign_content, verify_with_rsa
from flask import Flask, jsonify, request

from tests.shops import alipay_port, wallets

GOODS = "牡丹饼屋-流心奶黄月饼礼盒"
LIFETIME = "30m"          # an unpaid trade closes by itself after this (timeout_express)
ASK_TRIES = 3             # queries when Alipay's answer says nothing sure
ASK_PAUSE_S = 0.3
DEFECTS = {
    "reuse_closed_trade": "an order paid again after its trade closed is sent to the cashier with the closed "
                          "out_trade_no: Alipay refuses it (ACQ.TRADE_HAS_CLOSE) and the customer can never pay",
    "trust_return": "marks the order paid whenever the customer lands on return_url, without asking Alipay",
    "notify_unverified": "takes any notification saying TRADE_SUCCESS for money, its signature unchecked",
}
OTHER_WAYS = ["alipay_again", "bank_transfer"]
WORDS = {"new": "待付款", "waiting": "待付款", "paid": "已付款", "unpaid": "未付款", "canceled": "已取消",
         "refunded": "已退款"}
TIPS = {
    "jump": "正在前往支付宝付款……",
    "paid": "付款成功！月饼礼盒将尽快发出，谢谢惠顾。",
    "waiting": "付款结果确认中，请勿重复付款；确认后我们会短信通知您。",
    "unpaid": "支付宝付款没有完成，没有扣款。您可以重新支付，或改用银行转账。",
    "closed": "这笔支付已关闭（超时未支付），没有扣款。请重新支付，或改用银行转账。",
    "canceled": "订单已取消，没有扣款。",
    "refunded": "已退款，款项将原路退回。",
    "refunding": "退款处理中，请稍后查看。",
    "bad": "订单信息不完整，请返回购物车重新下单。",
    "unknown": "订单不存在。",
}


class Alipay:
    """The shop's four Alipay calls on the official SDK (DefaultAlipayClient, one *Model and *Request per
    method); execute() verifies each answer's signature and raises when it does not verify."""

    def __init__(self, *, gateway: str, app_id: str, app_private_key: str, alipay_public_key: str):
        alipay_port.install()   # the SDK's one port limitation (docs/gateway-alipay.md)
        cfg = AlipayClientConfig()
        cfg.server_url, cfg.app_id = gateway, app_id
        cfg.app_private_key, cfg.alipay_public_key = app_private_key, alipay_public_key
        self.client = DefaultAlipayClient(cfg)
        self.app_id, self.alipay_public_key = app_id, alipay_public_key

    def cashier_url(self, *, out_trade_no: str, fen: int, return_url: str, quit_url: str, notify_url: str,
                    passback: str) -> str:
        model = AlipayTradeWapPayModel()
        model.out_trade_no, model.total_amount, model.subject = out_trade_no, wallets.yuan(fen), GOODS
        model.product_code, model.quit_url, model.timeout_express = "QUICK_WAP_WAY", quit_url, LIFETIME
        model.passback_params = passback
        req = AlipayTradeWapPayRequest(biz_model=model)
        req.return_url, req.notify_url = return_url, notify_url
        return self.client.page_execute(req, http_method="GET")   # the phone opens it: a GET redirect

    def _execute(self, req) -> dict:
        try:
            return json.loads(self.client.execute(req))
        except Exception:  # noqa: BLE001 - no answer, an HTTP error, or a signature that did not verify
            return {"code": "", "sub_code": "NO_ANSWER"}

    def query(self, out_trade_no: str) -> dict:
        model = AlipayTradeQueryModel()
        model.out_trade_no = out_trade_no
        return self._execute(AlipayTradeQueryRequest(biz_model=model))

    def close(self, out_trade_no: str) -> dict:
        model = AlipayTradeCloseModel()
        model.out_trade_no = out_trade_no
        return self._execute(AlipayTradeCloseRequest(biz_model=model))

    def refund(self, out_trade_no: str, fen: int, out_request_no: str) -> dict:
        model = AlipayTradeRefundModel()
        model.out_trade_no, model.refund_amount, model.out_request_no = out_trade_no, wallets.yuan(fen), out_request_no
        model.refund_reason = "顾客取消订单"
        return self._execute(AlipayTradeRefundRequest(biz_model=model))

    def signed_by_alipay(self, fields: dict) -> bool:
        sign = fields.get("sign")
        if not sign:
            return False
        data = {k: v for k, v in fields.items() if k not in ("sign", "sign_type")}
        try:
            return verify_with_rsa(self.alipay_public_key, get_sign_content(data).encode("utf-8"), sign)
        except Exception:  # noqa: BLE001 - a bad base64, rsa's VerificationError: not Alipay's signature
            return False


class Shop:
    def __init__(self, ali: Alipay, public_url: str, defects: frozenset[str] = frozenset()):
        self.ali, self.public_url, self.defects = ali, public_url, defects
        self.lock = threading.Lock()
        self.orders: dict[str, dict] = {}     # cart -> order
        self.by_trade: dict[str, str] = {}    # out_trade_no -> cart
        self.count = 0

    def _order(self, cart: str, fen: int) -> dict:
        with self.lock:
            order = self.orders.get(cart)
            if order is None:
                self.count += 1
                order = {"cart": cart, "fen": fen, "no": time.strftime("MD%m%d-") + f"{self.count:04d}",
                         "tries": 0, "trade": None, "state": "new", "why": None, "boxes": 0, "refund_no": None}
                self.orders[cart] = order
            return order

    # -- paying --------------------------------------------------------------------------------------

    def pay(self, cart: str, fen: int) -> dict:
        order = self._order(cart, fen)
        if order["state"] in ("paid", "canceled", "refunded"):
            return self.answer(order)
        if order["trade"] is not None:
            fate = self.fate(order)
            if fate == "paid":
                return self.answer(order)
            if fate == "unknown":   # Alipay cannot say now: never a second trade for money that may have moved
                order["state"] = "waiting"
                return self.answer(order, TIPS["waiting"])
            if fate == "closed" and "reuse_closed_trade" not in self.defects:
                order["trade"] = None   # a closed out_trade_no can never be paid: the next try gets a new one
        if order["trade"] is None:
            with self.lock:
                order["tries"] += 1
                order["trade"] = f"{order['no']}-{order['tries']}"
                self.by_trade[order["trade"]] = cart
        back = quote(cart)
        url = self.ali.cashier_url(out_trade_no=order["trade"], fen=order["fen"],
                                   return_url=f"{self.public_url}/m/back?cart={back}",
                                   quit_url=f"{self.public_url}/m/quit?cart={back}",
                                   notify_url=f"{self.public_url}/m/alipay/notify", passback=f"order_id={cart}")
        order["state"], order["why"] = "waiting", None
        return {**self.answer(order, TIPS["jump"]), "jump": url}

    def fate(self, order: dict) -> str:
        """What Alipay says of the order's current trade: paid | waiting | closed | none | unknown."""
        for attempt in range(ASK_TRIES):
            answer = self.ali.query(order["trade"])
            if answer.get("code") == "10000":
                status = answer.get("trade_status")
                if status in ("TRADE_SUCCESS", "TRADE_FINISHED") and answer.get("total_amount") == wallets.yuan(order["fen"]):
                    self._paid(order)
                    return "paid"
                if status == "TRADE_CLOSED":
                    return "closed"
                if status == "WAIT_BUYER_PAY":
                    return "waiting"
                return "unknown"
            if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST" and attempt == ASK_TRIES - 1:
                return "none"   # the cashier was never opened (a wap trade is made when it is)
            time.sleep(ASK_PAUSE_S)
        return "unknown"

    def back(self, cart: str) -> dict | None:
        """The customer is back from the cashier: Alipay is asked; nothing the browser brought is money."""
        order = self.orders.get(cart)
        if order is None:
            return None
        if "trust_return" in self.defects:
            self._paid(order)   # landed on return_url: taken for paid, nothing asked
            return self.answer(order)
        if order["state"] in ("paid", "canceled", "refunded") or order["trade"] is None:
            return self.answer(order)
        fate = self.fate(order)
        if fate == "paid":
            return self.answer(order)
        if fate == "waiting" and not self._give_up(order):
            order["state"] = "waiting"   # the close failed: it may be paid meanwhile
            return self.answer(order)
        with self.lock:   # a notification may have settled the order meanwhile: paid stays paid
            if order["state"] != "paid":
                order["state"] = "waiting" if fate == "unknown" else "unpaid"
                order["why"] = "closed" if fate == "closed" else None
        return self.answer(order)

    def _give_up(self, order: dict) -> bool:
        """Close the unpaid trade of a customer who left the cashier; False: its fate is unknown."""
        answer = self.ali.close(order["trade"])
        if answer.get("code") == "10000":
            return True
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return True
        if answer.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":   # paid meanwhile, or closed already
            return self.fate(order) == "closed"
        return False

    # -- notifications ----------------------------------------------------------------------------

    def notice(self, fields: dict) -> tuple[str, int]:
        if "notify_unverified" not in self.defects and not self.ali.signed_by_alipay(fields):
            return "fail: signature", 400
        order = self.orders.get(self.by_trade.get(fields.get("out_trade_no", ""), ""))
        if order is None or fields.get("app_id") != self.ali.app_id:
            return "fail: unknown trade", 400
        status = fields.get("trade_status")
        if status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            if fields.get("total_amount") != wallets.yuan(order["fen"]):
                return "fail: amount", 400
            self._paid(order, ship=True)
        elif status == "TRADE_CLOSED" and fields.get("out_trade_no") == order["trade"] and order["state"] == "waiting":
            order["state"], order["why"] = "unpaid", "closed"
        return "success", 200

    def _paid(self, order: dict, ship: bool = False) -> None:
        with self.lock:
            if order["state"] not in ("paid", "refunded"):
                order["state"], order["why"] = "paid", None
            if ship and order["boxes"] == 0 and order["state"] == "paid":
                order["boxes"] = 1   # one gift box, however many notifications say paid

    # -- after the sale ---------------------------------------------------------------------------

    def cancel(self, order: dict) -> dict:
        if order["state"] == "paid":
            order["refund_no"] = order["refund_no"] or order["trade"] + "-TK"
            answer = self.ali.refund(order["trade"], order["fen"], order["refund_no"])
            if answer.get("code") != "10000":
                return self.answer(order, TIPS["refunding"])
            order["state"] = "refunded"
            return self.answer(order)
        if order["trade"] is not None and order["state"] != "canceled":
            fate = self.fate(order)
            if fate == "paid":
                return self.cancel(order)   # paid after all: refund it
            if fate == "waiting" and not self._give_up(order):
                return self.answer(order)   # its fate is unknown: not cancelled yet
        order["state"] = "canceled"
        return self.answer(order)

    def answer(self, order: dict, tip: str | None = None) -> dict:
        state = order["state"]
        if tip is None:
            tip = TIPS["closed"] if order["why"] == "closed" else TIPS.get(state, TIPS["waiting"])
        out = {"order_no": order["no"], "state": WORDS[state], "tip": tip, "boxes_sent": order["boxes"]}
        if state == "unpaid":
            out["other_ways"] = OTHER_WAYS
        return out


def create_app() -> Flask:
    defects = wallets.planted("PEONY_DEFECTS", DEFECTS, os.environ.get("PEONY_DEFECTS"))
    env = os.environ
    ali = Alipay(gateway=env["ALIPAY_GATEWAY_URL"], app_id=env["ALIPAY_APP_ID"],
                 app_private_key=Path(env["ALIPAY_APP_PRIVATE_KEY_FILE"]).read_text(),
                 alipay_public_key=Path(env["ALIPAY_PUBLIC_KEY_FILE"]).read_text())
    shop = Shop(ali, env.get("PEONY_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"), defects)
    app = Flask("peony")
    app.json.ensure_ascii = False

    def unknown(cart: str):
        return jsonify({"order_no": None, "state": "不存在", "tip": TIPS["unknown"], "cart": cart}), 404

    @app.get("/healthz")
    def healthz():
        return {"ok": True, "defects": sorted(defects)}

    @app.post("/m/pay")
    def pay():
        cart = request.form.get("cart", "")
        try:
            fen = int(request.form.get("fen", ""))
        except ValueError:
            fen = 0
        if not cart or len(cart) > 64 or fen <= 0:
            return jsonify({"order_no": None, "state": WORDS["unpaid"], "tip": TIPS["bad"]}), 400
        return jsonify(shop.pay(cart, fen))

    @app.get("/m/back")
    @app.get("/m/quit")
    def back():
        cart = request.args.get("cart", "")
        answer = shop.back(cart)
        return jsonify(answer) if answer is not None else unknown(cart)

    @app.get("/m/orders/<cart>")
    def order(cart):
        found = shop.orders.get(cart)
        return jsonify(shop.answer(found)) if found else unknown(cart)

    @app.post("/m/orders/<cart>/cancel")
    def cancel(cart):
        found = shop.orders.get(cart)
        return jsonify(shop.cancel(found)) if found else unknown(cart)

    @app.post("/m/alipay/notify")
    def notify():
        text, status = shop.notice(request.form.to_dict())
        return text, status, {"Content-Type": "text/plain"}

    return app
