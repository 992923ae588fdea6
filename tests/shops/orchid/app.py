"""兰心手机馆: phones and cases for customers on their phones; WeChat Pay H5 is the only way to pay.

POST /h5/xiadan {"gouwuche": cart id, "fen": amount} -> {"dingdan", "zhuangtai": 待支付, "tishi", "tiaozhuan": the
    WeChat Pay H5 page (with our return page as its redirect_url)}, or {"zhuangtai": 支付失败 | ..., "tishi", "qita"}
GET  /h5/fanhui/<cart> -> where WeChat's page sends the phone back: the shop asks WeChat Pay (by out_trade_no)
GET  /h5/dingdan/<cart> -> {"zhuangtai", "tishi", "fahuo": parcels sent (only on a verified notification)}
POST /h5/dingdan/<cart>/quxiao -> a refund when paid, else the trade is closed
POST /wx/tongzhi -> WeChat Pay's notification: signature checked and resource decrypted by the SDK first
GET  /ping -> readiness

Each cart gets the shop's own order number (LX<MMDD>-<seq>); its WeChat Pay out_trade_no is that number with
the try (LX1203-0007-1), a new try only after WeChat Pay closed the last one. Every order is placed with a
time_expire; an order the customer came back from unpaid is asked about again, then closed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from flask import Flask, jsonify, request
from wechatpayv3 import WeChatPay, WeChatPayType

from tests.shops import wallets

GOODS = "兰心手机馆-手机壳"
BEIJING = timezone(timedelta(hours=8))
PAY_WINDOW = timedelta(minutes=15)
DEFECTS = {
    "trust_return": "an order is taken as paid as soon as the phone lands on the return page; WeChat Pay is "
                    "never asked",
    "notify_unverified": "a notification's resource is decrypted and believed without checking WeChat Pay's "
                         "signature",
}
WORDS = {   # the shop's state words (its target file maps them)
    "new": "新订单", "pending": "待支付", "paid": "已支付", "failed": "支付失败", "closed": "已关闭",
    "canceled": "已取消", "refunded": "已退款",
}
OTHER_WAYS = ["huodaofukuan", "yinhangzhuanzhang"]   # cash on delivery, bank transfer
SAY = {
    "go": "请在微信中完成支付，付款后会自动返回本店。",
    "paid": "支付成功！手机壳将在48小时内发货。",
    "checking": "支付结果正在确认中，请勿重复付款，确认后我们会短信通知您。",
    "poor": "支付失败：微信零钱余额不足，没有扣款。可改用其他支付方式（货到付款、银行转账）。",
    "frozen": "支付失败：您的微信支付账户被冻结或受限，没有扣款。请改用其他支付方式（货到付款、银行转账），或联系客服。",
    "payerror": "支付失败，没有扣款。请稍后重试，或改用其他支付方式（货到付款、银行转账）。",
    "closed": "订单已关闭（超时未支付），没有扣款。请重新下单，或改用其他支付方式（货到付款、银行转账）。",
    "unpaid": "您没有完成支付，订单已关闭，没有扣款。请重新下单，或改用其他支付方式（货到付款、银行转账）。",
    "down": "微信支付暂时无法使用，没有扣款。请稍后重试，或改用其他支付方式（货到付款、银行转账）。",
    "canceled": "订单已取消。",
    "refunded": "已退款，款项将原路退回微信。",
    "refunding": "退款处理中，请稍后查看。",
    "bad": "订单信息不完整，请重新下单。",
    "unknown": "订单不存在。",
}
RETRY_CODES = ("SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANKERROR")


def parse_defects(text: str | None) -> frozenset[str]:
    return wallets.planted("ORCHID_DEFECTS", DEFECTS, text)


class Shop:
    def __init__(self, wx: WeChatPay, public_url: str, apiv3_key: str, defects: frozenset[str] = frozenset()):
        self.wx, self.public_url, self.apiv3_key, self.defects = wx, public_url, apiv3_key, defects
        self.lock = threading.Lock()
        self.carts: dict[str, dict] = {}      # the customer's cart id -> the order
        self.by_trade: dict[str, dict] = {}   # out_trade_no -> the order
        self.seq = 0

    # -- placing the order -----------------------------------------------------------------------------

    def place(self, body: dict) -> dict:
        cart, fen = body.get("gouwuche"), body.get("fen")
        if isinstance(fen, str) and fen.isdigit():
            fen = int(fen)
        if not isinstance(cart, str) or not cart or not isinstance(fen, int) or fen <= 0:
            return {"zhuangtai": WORDS["failed"], "tishi": SAY["bad"], "qita": OTHER_WAYS}
        with self.lock:
            order = self.carts.get(cart)
            if order is None:
                self.seq += 1
                order = {"cart": cart, "number": f"LX{datetime.now(BEIJING):%m%d}-{self.seq:04d}", "fen": fen,
                         "state": "new", "tries": 0, "trade": None, "why": None, "shipped": 0, "refund_no": None}
                self.carts[cart] = order
            if order["state"] in ("paid", "refunded", "canceled"):
                return self.answer(order)
            if order["trade"] is None or order["state"] in ("closed", "failed"):
                order["tries"] += 1   # a new trade: the last one (if any) is over at WeChat Pay
                order["trade"] = f"{order['number']}-{order['tries']}"
                order["state"], order["why"] = "new", None
                self.by_trade[order["trade"]] = order
            trade = order["trade"]
        return self.to_wechat(order, trade)

    def to_wechat(self, order: dict, trade: str) -> dict:
        back = f"{self.public_url}/h5/fanhui/{quote(order['cart'], safe='')}"
        expire = (datetime.now(BEIJING) + PAY_WINDOW).strftime("%Y-%m-%dT%H:%M:%S+08:00")
        for attempt in range(3):
            try:
                code, text = self.wx.pay(description=GOODS, out_trade_no=trade, time_expire=expire,
                                         amount={"total": order["fen"], "currency": "CNY"}, attach=order["number"],
                                         notify_url=f"{self.public_url}/wx/tongzhi",
                                         scene_info={"payer_client_ip": "127.0.0.1",
                                                     "h5_info": {"type": "Wap", "app_name": "兰心手机馆"}})
                said = wallets.json_object(text)
            except Exception:  # noqa: BLE001 - no answer, or an answer whose signature the SDK refused
                code, said = None, {}
            url = said.get("h5_url") if code == 200 else None
            if isinstance(url, str) and url:
                with self.lock:
                    if order["state"] == "new":
                        order["state"] = "pending"
                return {**self.answer(order, SAY["go"]),
                        "tiaozhuan": f"{url}&redirect_url={quote(back, safe='')}"}
            if said.get("code") == "ORDERPAID":   # paid already (another tab): WeChat Pay says how
                return self.ask(order)
            if said.get("code") == "ORDERCLOSED":
                self.apply(order, {"trade_state": "CLOSED", "out_trade_no": trade})
                return self.answer(order)
            if code is not None and code < 500 and code != 429 and said.get("code") not in RETRY_CODES:
                break   # refused for good (a signature, a parameter): retrying will not help
            time.sleep(0.3 * (attempt + 1))
        with self.lock:
            if order["state"] in ("new", "pending"):
                order["state"], order["why"] = "failed", "down"
        return self.answer(order, SAY["down"])

    # -- the phone is back: ask WeChat Pay ---------------------------------------------------------------

    def back(self, order: dict) -> dict:
        if "trust_return" in self.defects:
            self.mark_paid(order)   # landed on the return page: believed, nothing asked
            return self.answer(order)
        if order["state"] != "pending":
            return self.answer(order)
        return self.ask(order, give_up=True)

    def ask(self, order: dict, give_up: bool = False) -> dict:
        """Query the order's trade (ORDER_NOT_EXIST or no answer: ask again, waiting longer each time). With
        give_up, a trade still NOTPAY after that is closed: the customer came back without paying."""
        trade = order["trade"]
        for i in range(5):
            try:
                code, text = self.wx.query(out_trade_no=trade)
                said = wallets.json_object(text)
            except Exception:  # noqa: BLE001 - no answer, or one whose signature the SDK refused
                code, said = None, {}
            if code == 200 and said.get("out_trade_no") == trade:
                state = said.get("trade_state")
                if state not in ("NOTPAY", "USERPAYING") or i >= 2:
                    self.apply(order, said)
                    if state == "NOTPAY" and give_up and order["state"] == "pending":
                        return self.close_unpaid(order)
                    return self.answer(order)
            if order["state"] == "paid":   # the notification came meanwhile
                return self.answer(order)
            time.sleep(0.3 * (i + 1))
        return self.answer(order, SAY["checking"])

    def close_unpaid(self, order: dict) -> dict:
        try:
            code, text = self.wx.close(out_trade_no=order["trade"])
        except Exception:  # noqa: BLE001
            code, text = None, ""
        if code == 204:
            with self.lock:
                if order["state"] == "pending":
                    order["state"], order["why"] = "closed", "unpaid"
            return self.answer(order)
        if wallets.json_object(text).get("code") == "ORDERPAID":
            return self.ask(order)
        return self.answer(order, SAY["checking"])   # the close did not go through: its fate is open

    def apply(self, order: dict, txn: dict) -> None:
        """What WeChat Pay said of one of the order's trades (a verified query answer or notification)."""
        if txn.get("out_trade_no") != order["trade"]:
            return
        state = txn.get("trade_state")
        if state in ("SUCCESS", "REFUND"):
            if (txn.get("amount") or {}).get("total") == order["fen"]:
                self.mark_paid(order)
            return
        with self.lock:
            if order["state"] not in ("new", "pending"):
                return
            if state == "PAYERROR":
                desc = txn.get("trade_state_desc") or ""
                order["state"] = "failed"
                order["why"] = "poor" if "余额不足" in desc else "frozen" if ("冻结" in desc or "异常" in desc) \
                    else "payerror"
            elif state in ("CLOSED", "REVOKED"):
                order["state"], order["why"] = "closed", "closed"

    def mark_paid(self, order: dict) -> None:
        with self.lock:
            if order["state"] in ("new", "pending", "failed", "closed"):
                order["state"], order["why"] = "paid", None

    # -- notifications ---------------------------------------------------------------------------------

    def notice(self, headers: dict, body: str) -> tuple[int, dict]:
        checked = self._unverified(body) if "notify_unverified" in self.defects else \
            wallets.wechat_checked(self.wx, headers, body)
        if not checked:
            return wallets.WECHAT_REFUSED
        txn = checked.get("resource") if isinstance(checked.get("resource"), dict) else {}
        order = self.by_trade.get(txn.get("out_trade_no", ""))
        if order is not None and checked.get("event_type") == "TRANSACTION.SUCCESS" \
                and txn.get("trade_state") == "SUCCESS" and txn.get("mchid") in (None, self.wx._mchid):
            self.apply(order, txn)
            with self.lock:
                if order["state"] == "paid" and not order["shipped"]:
                    order["shipped"] = 1   # the parcel goes out once, on WeChat Pay's verified word
        return wallets.WECHAT_TAKEN

    def _unverified(self, body: str) -> dict | None:
        from wechatpayv3.utils import aes_decrypt

        try:
            data = json.loads(body)
            res = data.get("resource") or {}
            plain = aes_decrypt(res.get("nonce", ""), res.get("ciphertext", ""), res.get("associated_data", ""),
                                self.apiv3_key)
            return {**data, "resource": json.loads(plain)}
        except Exception:  # noqa: BLE001
            return None

    # -- after the sale --------------------------------------------------------------------------------

    def cancel(self, order: dict) -> dict:
        if order["state"] == "paid":
            order["refund_no"] = order["refund_no"] or "TK" + order["trade"]
            for i in range(3):
                if wallets.wechat_refund(self.wx, trade_no=order["trade"], refund_no=order["refund_no"],
                                         fen=order["fen"]):
                    order["state"] = "refunded"
                    return self.answer(order)
                time.sleep(0.3 * (i + 1))
            return self.answer(order, SAY["refunding"])
        if order["state"] in ("refunded", "canceled"):
            return self.answer(order)
        if order["trade"]:
            self.ask(order)   # paid after all? then it is refunded, not closed
            if order["state"] == "paid":
                return self.cancel(order)
            wallets.wechat_close(self.wx, order["trade"])
        order["state"] = "canceled"
        return self.answer(order)

    def answer(self, order: dict, tip: str | None = None) -> dict:
        state = order["state"]
        if tip is None:
            tip = SAY.get(order["why"] or "", SAY.get(state, SAY["checking"]))
        out = {"dingdan": order["number"], "zhuangtai": WORDS[state], "tishi": tip, "fahuo": order["shipped"]}
        if state in ("failed", "closed"):
            out["qita"] = OTHER_WAYS
        return out


def create_app() -> Flask:
    defects = parse_defects(os.environ.get("ORCHID_DEFECTS"))
    public = os.environ.get("ORCHID_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    shop = Shop(wallets.wechatpay_client(WeChatPayType.H5), public,
                Path(os.environ["WECHATPAY_APIV3_KEY_FILE"]).read_text().strip(), defects)
    app = Flask("orchid")
    app.json.ensure_ascii = False

    def missing(cart: str):
        return jsonify({"dingdan": None, "zhuangtai": WORDS["new"], "tishi": SAY["unknown"], "gouwuche": cart}), 404

    @app.get("/ping")
    def ping():
        return {"ok": True}

    @app.post("/h5/xiadan")
    def place():
        body = request.get_json(silent=True)
        return jsonify(shop.place(body if isinstance(body, dict) else {}))

    @app.get("/h5/fanhui/<cart>")
    def back(cart):
        order = shop.carts.get(cart)
        return jsonify(shop.back(order)) if order else missing(cart)

    @app.get("/h5/dingdan/<cart>")
    def order(cart):
        found = shop.carts.get(cart)
        return jsonify(shop.answer(found)) if found else missing(cart)

    @app.post("/h5/dingdan/<cart>/quxiao")
    def cancel(cart):
        found = shop.carts.get(cart)
        return jsonify(shop.cancel(found)) if found else missing(cart)

    @app.post("/wx/tongzhi")
    def notice():
        status, said = shop.notice(dict(request.headers), request.get_data(as_text=True))
        return jsonify(said), status

    return app
