"""梅子茶铺: the pages and the order logic, on either Alipay SDK (sdk_official / sdk_community).

POST /api/checkout {order_id, amount (fen), auth_code (the buyer's payment code), name, email}
    -> {"order_id", "status": paid | failed | pending, "message" (Chinese), "alternatives"}
POST /alipay/notify   Alipay's asynchronous notification: verified, then settles the order; answers `success`
GET  /api/orders/<id> -> {"status", "fulfilled"}     POST /api/orders/<id>/cancel -> refund or close

What a careful shop does, and what each planted defect (PLUM_DEFECTS) breaks:
- an answer that says nothing sure (ACQ.SYSTEM_ERROR, a rate limit, no answer, 10003) is followed by
  queries; a query's ACQ.TRADE_NOT_EXIST is not "unpaid" (Alipay may not know a paid trade yet), so it
  asks again, then pays again with the SAME out_trade_no (Alipay answers ACQ.TRADE_HAS_SUCCESS if paid).
  `not_exist_unpaid`: the first ACQ.TRADE_NOT_EXIST fails the order.
  `new_out_trade_no`: a retry pays with a new out_trade_no, without asking what became of the first.
- a trade closed before it was paid (ACQ.TRADE_HAS_CLOSE, or a query's TRADE_CLOSED) fails the order with
  "订单已关闭", asking the customer to order again; a signature or app error (isv.*, 40002) is not retried.
- a notification is verified with Alipay's public key and checked against the order (app_id, amount).
  `notify_unverified`: any notification saying TRADE_SUCCESS marks its order paid.
- an answer is believed only when its signature verifies with Alipay's public key (both SDKs check it).
  `answer_unverified`: an answer whose signature does not verify is read anyway.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

from flask import Flask, jsonify, request

from tests.shops.wallets import planted, yuan

DEFECTS = frozenset(d.strip() for d in os.environ.get("PLUM_DEFECTS", "").split(",") if d.strip())
KNOWN_DEFECTS = ("notify_unverified", "not_exist_unpaid", "new_out_trade_no", "blind_fallback", "answer_unverified")
UNSURE = ("ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "ACQ.FREQUENCY_LIMITED", "isp.unknow-error")
PAY_TRIES = 3
QUERY_TRIES = 3   # enough for 2 "trade not exist" answers; twice in one checkout stays within 6 queries
PAUSE_S = 0.3
ALTERNATIVES = ["wechat_pay", "bank_transfer"]

MESSAGES = {
    "paid": "支付成功，订单已确认。感谢您的惠顾！",
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": "支付宝余额不足，付款未成功。请充值后重试，或换一种方式付款：其他支付方式（微信支付、银行转账）。",
    "ACQ.BUYER_ENABLE_STATUS_FORBID": "您的支付宝账户已被冻结或状态异常，付款未成功。请联系支付宝客服，或使用其他支付方式（微信支付、银行转账）。",
    "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR": "已超过支付宝今日付款限额，付款未成功。请使用其他支付方式（微信支付、银行转账）。",
    "pending": "支付宝系统繁忙，正在确认您的付款，请勿重复付款；确认后我们会通知您。",
    "failed": "付款未成功，未扣款。请稍后重试，或使用其他支付方式（微信支付、银行转账）。",
    "closed": "订单已关闭（超时未支付），未扣款。请重新下单，或使用其他支付方式（微信支付、银行转账）。",
    "unavailable": "支付宝暂时不可用，未扣款。请使用其他支付方式（微信支付、银行转账），或稍后重试。",
}


def _client(sdk: str, notify_url: str):
    env = os.environ
    kwargs = dict(gateway=env["ALIPAY_GATEWAY_URL"], app_id=env["ALIPAY_APP_ID"],
                  app_private_key=Path(env["ALIPAY_APP_PRIVATE_KEY_FILE"]).read_text(),
                  alipay_public_key=Path(env["ALIPAY_PUBLIC_KEY_FILE"]).read_text(), notify_url=notify_url)
    if sdk == "official":
        from tests.shops.plum.sdk_official import Client
    else:
        from tests.shops.plum.sdk_community import Client
    client = Client(**kwargs)
    if "answer_unverified" in DEFECTS:
        client.trust_every_answer()
    return client


class Orders:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_id: dict[str, dict] = {}
        self.by_out_no: dict[str, str] = {}     # out_trade_no -> order id

    def get(self, order_id: str) -> dict | None:
        return self.by_id.get(order_id)

    def settle(self, order: dict, how: str) -> None:
        """The order is paid: fulfilled once, however many answers and notifications say so."""
        with self.lock:
            if order["status"] != "paid":
                order["status"] = "paid"
                order["fulfilled"] += 1
                order["settled_by"] = how


def create_app(sdk: str, *, stripe_primary: bool = False) -> Flask:
    planted("PLUM_DEFECTS", KNOWN_DEFECTS, os.environ.get("PLUM_DEFECTS"))   # an unknown name: UnknownDefect
    app = Flask("plum")
    desk = None
    if stripe_primary:   # cards through Stripe first, Alipay the backup (stripe_first.py)
        from tests.shops.plum.stripe_first import StripeDesk
        desk = StripeDesk(DEFECTS)
    public = os.environ.get("PLUM_PUBLIC_URL", "http://127.0.0.1:8000")
    alipay = _client(sdk, public + "/alipay/notify")
    orders = Orders()
    app_id = os.environ["ALIPAY_APP_ID"]

    @app.get("/healthz")
    def healthz():
        return {"ok": True, "sdk": alipay.name, "defects": sorted(DEFECTS)}

    def call(fn, **kwargs) -> dict:
        try:
            return fn(**kwargs)
        except Exception as exc:  # noqa: BLE001 - no answer (reset, timeout) or one that did not verify
            app.logger.warning("alipay call failed: %s", exc)
            return {"code": "", "sub_code": "NO_ANSWER"}

    def find_out(out_no: str) -> str:
        """What became of a trade: TRADE_SUCCESS, WAIT_BUYER_PAY, TRADE_CLOSED, NOT_EXIST or UNKNOWN."""
        for _ in range(QUERY_TRIES):
            answer = call(alipay.query, out_trade_no=out_no)
            if answer.get("code") == "10000":
                return str(answer.get("trade_status"))
            elif answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST" and "not_exist_unpaid" in DEFECTS:
                return "NOT_EXIST"   # defect: "trade not exist" taken for "not paid"
            time.sleep(PAUSE_S)      # TRADE_NOT_EXIST, busy, buyer still paying: Alipay may not know yet
        return "UNKNOWN"

    @app.post("/api/checkout")
    def checkout():
        body = request.get_json(force=True, silent=True) or {}
        order_id = str(body.get("order_id") or "")
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,48}", order_id):
            return jsonify(status="failed", message="订单号无效。"), 400
        try:
            fen = int(body.get("amount"))
        except (TypeError, ValueError):
            return jsonify(status="failed", message="金额无效。"), 400
        auth_code = str(body.get("auth_code") or "")
        with orders.lock:
            order = orders.by_id.get(order_id)
            if order is None:
                order = {"order_id": order_id, "fen": fen, "status": "pending", "fulfilled": 0,
                         "out_trade_nos": [], "settled_by": None}
                orders.by_id[order_id] = order
        if order["status"] == "paid":
            return jsonify(order_id=order_id, status="paid", message=MESSAGES["paid"])
        if desk is not None:
            result, decline = desk.charge(order_id=order_id, fen=fen, token=auth_code)
            if result == "paid":
                orders.settle(order, "stripe")
                return jsonify(order_id=order_id, status="paid", message=MESSAGES["paid"], via="stripe")
            if result == "declined":
                order["status"] = "failed"
                return jsonify(order_id=order_id, status="failed", alternatives=ALTERNATIVES, code=decline,
                               message="银行卡付款被拒绝，未扣款。请使用其他支付方式（支付宝、微信支付）。")
        out_no = order_id
        status, code = "failed", "failed"
        for attempt in range(PAY_TRIES):
            if "new_out_trade_no" in DEFECTS and attempt:
                out_no = f"{order_id}-{attempt}"   # defect: a retry is a new trade
            with orders.lock:
                orders.by_out_no[out_no] = order_id
                order["out_trade_nos"].append(out_no)
            answer = call(alipay.pay, out_trade_no=out_no, total_amount=yuan(fen), auth_code=auth_code,
                          subject="梅子茶", passback=f"order_id={order_id}")
            sub = answer.get("sub_code") or ""
            if answer.get("code") == "10000" or sub == "ACQ.TRADE_HAS_SUCCESS":
                status = "paid"
                break
            if sub.startswith("ACQ.BUYER_") or sub in ("ACQ.PAYMENT_AUTH_CODE_INVALID", "ACQ.PAYMENT_FAIL"):
                status, code = "failed", sub
                break
            if sub == "ACQ.TRADE_HAS_CLOSE":   # closed (timed out) before it was paid: nothing moved
                status, code = "failed", "closed"
                break
            if sub.startswith("isv.") or answer.get("code") in ("40001", "40002", "40006"):
                status, code = "failed", "unavailable"   # our keys or set-up: another try is the same
                break
            if answer.get("code") != "10003" and sub not in (*UNSURE, "NO_ANSWER"):
                status, code = "failed", "failed"
                break
            if "new_out_trade_no" in DEFECTS:
                time.sleep(PAUSE_S)
                continue
            found = find_out(out_no)         # the answer said nothing sure: ask what became of the trade
            if found in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                status = "paid"
                break
            if found == "TRADE_CLOSED":
                status, code = "failed", "closed"
                break
            if found == "NOT_EXIST":
                status, code = "failed", "failed"
                break
            status, code = "pending", "pending"   # unknown or still waiting: pay again, same out_trade_no
            time.sleep(PAUSE_S)
        if status == "paid":
            orders.settle(order, "answer")
            return jsonify(order_id=order_id, status="paid", message=MESSAGES["paid"])
        with orders.lock:
            if order["status"] != "paid":
                order["status"] = status
        message = MESSAGES.get(code, MESSAGES["failed"])
        return jsonify(order_id=order_id, status=status, message=message, alternatives=ALTERNATIVES,
                       code=code if code.startswith("ACQ.") else None)

    @app.post("/alipay/notify")
    def notify():
        fields = request.form.to_dict()
        if "notify_unverified" not in DEFECTS and not alipay.verify_notification(fields):
            return "failure: signature", 400
        order = orders.get(orders.by_out_no.get(fields.get("out_trade_no", ""), ""))
        if order is None:
            return "failure: unknown out_trade_no", 400
        if "notify_unverified" not in DEFECTS and (
                fields.get("app_id") != app_id or fields.get("total_amount") != yuan(order["fen"])):
            return "failure: app_id or amount", 400
        if fields.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            orders.settle(order, "notification")
        return "success"

    @app.get("/api/orders/<order_id>")
    def order_status(order_id):
        order = orders.get(order_id)
        if order is None:
            return jsonify(error="订单不存在"), 404
        return jsonify(order_id=order_id, status=order["status"], fulfilled=order["fulfilled"],
                       settled_by=order["settled_by"], out_trade_nos=order["out_trade_nos"])

    @app.post("/api/orders/<order_id>/cancel")
    def cancel(order_id):
        order = orders.get(order_id)
        if order is None:
            return jsonify(error="订单不存在"), 404
        if order["status"] != "paid":
            order["status"] = "canceled"
            return jsonify(order_id=order_id, status="canceled", message="订单已取消，未扣款。")
        out_no = order["out_trade_nos"][-1]
        for _ in range(PAY_TRIES):
            answer = call(alipay.refund, out_trade_no=out_no, refund_amount=yuan(order["fen"]),
                          out_request_no=f"{out_no}-refund")   # the same number on a retry: refunded once
            if answer.get("code") == "10000":
                order["status"] = "refunded"
                return jsonify(order_id=order_id, status="refunded", message="已退款，款项将原路退回。")
            time.sleep(PAUSE_S)
        return jsonify(order_id=order_id, status="paid", message="退款暂未成功，我们会尽快处理。"), 503

    return app
