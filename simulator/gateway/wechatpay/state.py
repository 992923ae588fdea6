"""The WeChat Pay gateway's state: transactions by out_trade_no, refunds by out_refund_no, and what
each API call does to them. Plain synchronous code over dicts; the HTTP layer is app.py."""

from __future__ import annotations

import datetime
import itertools
import time
from collections import defaultdict

from paychaos.gateway.wechatpay import outcomes as oc

TRADE_TYPES = {"jsapi": "JSAPI", "native": "NATIVE", "h5": "MWEB", "app": "APP"}
_CST = datetime.timezone(datetime.timedelta(hours=8))
DEFAULT_LIFETIME_S = 2 * 3600   # an order without time_expire: its code_url / prepay_id lives 2 hours


def wx_time(ts: float | None = None) -> str:
    """RFC 3339 in China Standard Time, as WeChat Pay writes times: 2018-06-08T10:34:56+08:00."""
    return datetime.datetime.fromtimestamp(ts if ts is not None else time.time(), _CST).isoformat(timespec="seconds")


class WxError(Exception):
    """An answer in WeChat Pay's error shape: HTTP status, {"code", "message"} (+ "detail")."""

    def __init__(self, status: int, code: str, message: str, detail: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.detail = status, code, message, detail

    def body(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return body


def param_error(message: str, field: str | None = None) -> WxError:
    detail = {"field": field, "location": "body"} if field else None
    return WxError(400, "PARAM_ERROR", message, detail)


class State:
    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.trades: dict[str, dict] = {}          # out_trade_no -> transaction
        self.by_txn: dict[str, str] = {}           # transaction_id -> out_trade_no
        self.by_prepay: dict[str, str] = {}        # prepay_id / code_url token -> out_trade_no
        self.refunds: dict[str, dict] = {}         # out_refund_no -> refund
        self.place_calls: dict[str, int] = defaultdict(int)   # out_trade_no -> order calls seen
        self.hidden: dict[str, int] = {}           # out_trade_no -> queries still to answer ORDER_NOT_EXIST
        self._seq = itertools.count(1)
        self.requests_total = 0
        self.requests_api = 0
        self.requests_hosted = 0
        self.requests_by_endpoint: dict[str, int] = defaultdict(int)

    def _n(self) -> int:
        return next(self._seq)

    # -- orders -----------------------------------------------------------------------------

    def place(self, kind: str, body: dict, mchid: str, base_url: str) -> dict:
        """JSAPI / APP / H5 / Native order: the prepay answer. Same out_trade_no and same fields: the
        same answer again; paid: ORDERPAID; closed: ORDERCLOSED; other fields: OUT_TRADE_NO_USED."""
        out_trade_no = _text(body, "out_trade_no", 6, 32)
        total, currency = _amount(body)
        for name in ("appid", "description", "notify_url"):
            _text(body, name, 1, 256 if name == "notify_url" else 127)
        if body.get("mchid") != mchid:
            raise WxError(400, "MCH_NOT_EXISTS", "商户号不存在或与认证信息不符", {"field": "mchid"})
        if kind == "jsapi":
            payer = body.get("payer")
            if not isinstance(payer, dict) or not isinstance(payer.get("openid"), str) or not payer["openid"]:
                raise param_error("输入源“/body/payer/openid”映射到字段“用户标识”必填性规则校验失败", "payer.openid")
        if kind == "h5" and not isinstance((body.get("scene_info") or {}).get("h5_info"), dict):
            raise param_error("输入源“/body/scene_info/h5_info”映射到字段“H5场景信息”必填性规则校验失败",
                              "scene_info.h5_info")
        attach = body.get("attach")
        if attach is not None and (not isinstance(attach, str) or len(attach) > 128):
            raise param_error("attach: 至多128个字符的字符串", "attach")
        expires = _time_expire(body.get("time_expire"))
        band = oc.band(total)
        self.place_calls[out_trade_no] += 1
        first = self.place_calls[out_trade_no] == 1
        if band == oc.SIGN_ERROR:
            raise WxError(401, "SIGN_ERROR", "签名错误，请检查后再试")
        if band == oc.SYSTEM_ERROR and first:
            raise WxError(500, "SYSTEM_ERROR", "系统错误，请使用相同参数稍后重新调用")
        if band == oc.FREQUENCY_LIMITED and first:
            raise WxError(429, "FREQUENCY_LIMITED", "频率超限，请降低请求频率")
        fingerprint = (kind, total, currency, body.get("description"), body.get("appid"))
        trade = self.trades.get(out_trade_no)
        if trade is not None:
            expire_if_due(trade)
            if trade["trade_state"] in ("SUCCESS", "REFUND"):
                raise WxError(400, "ORDERPAID", "该订单已支付")
            if trade["trade_state"] == "CLOSED":
                raise WxError(400, "ORDERCLOSED", "当前订单已关闭，请重新下单")
            if trade["_fingerprint"] != fingerprint:
                raise WxError(403, "OUT_TRADE_NO_USED", "商户订单号重复，请核实商户订单号是否重复提交")
            return trade["_answer"]
        n = self._n()
        stamp = datetime.datetime.now(_CST).strftime("%Y%m%d%H%M%S")
        prepay_id = f"wx{stamp}{n:010d}pc"
        trade = {
            "appid": body["appid"], "mchid": mchid, "out_trade_no": out_trade_no, "transaction_id": None,
            "trade_type": TRADE_TYPES[kind], "trade_state": "NOTPAY", "trade_state_desc": "订单未支付",
            "bank_type": None, "attach": attach or "", "success_time": None,
            "payer": {"openid": (body.get("payer") or {}).get("openid") or ""},
            "amount": {"total": total, "currency": currency},
            "description": body["description"], "notify_url": body["notify_url"],
            "_fingerprint": fingerprint, "_prepay": prepay_id, "_created": time.time(), "_band": band,
            "_refunded": 0, "_time_expire": expires,
            "_expires": expires if expires is not None else time.time() + DEFAULT_LIFETIME_S,
        }
        if kind == "native":
            answer = {"code_url": f"weixin://wxpay/bizpayurl?pr=pc{n:08d}x"}
            self.by_prepay[f"pc{n:08d}x"] = out_trade_no
        elif kind == "h5":
            answer = {"h5_url": f"{base_url}/pay/wx/checkmweb?prepay_id={prepay_id}&package={n:010d}"}
        else:
            answer = {"prepay_id": prepay_id}
        self.by_prepay[prepay_id] = out_trade_no
        trade["_answer"] = answer
        self.trades[out_trade_no] = trade
        return answer

    def find(self, *, out_trade_no: str | None = None, transaction_id: str | None = None,
             prepay: str | None = None) -> dict | None:
        if transaction_id is not None:
            out_trade_no = self.by_txn.get(transaction_id)
        elif prepay is not None:
            out_trade_no = self.by_prepay.get(prepay)
        trade = self.trades.get(out_trade_no) if out_trade_no else None
        if trade is not None:
            expire_if_due(trade)
        return trade

    def query(self, out_trade_no: str | None = None, transaction_id: str | None = None) -> dict:
        trade = self.find(out_trade_no=out_trade_no, transaction_id=transaction_id)
        if trade is None:
            raise WxError(404, "ORDER_NOT_EXIST", "订单不存在")
        left = self.hidden.get(trade["out_trade_no"], 0)
        if left and out_trade_no is not None:   # band 9006: paid, yet "not exist" to the first queries
            self.hidden[trade["out_trade_no"]] = left - 1
            raise WxError(404, "ORDER_NOT_EXIST", "订单不存在")
        return resource(trade)

    def close(self, out_trade_no: str) -> None:
        trade = self.find(out_trade_no=out_trade_no)
        if trade is None:
            raise WxError(404, "ORDER_NOT_EXIST", "订单不存在")
        if trade["trade_state"] in ("SUCCESS", "REFUND"):
            raise WxError(400, "ORDERPAID", "订单已支付，不能关闭")
        trade["trade_state"], trade["trade_state_desc"] = "CLOSED", "订单已关闭"

    # -- the customer pays ------------------------------------------------------------------------

    def pay(self, trade: dict, result: str | None = None) -> tuple[bool, str]:
        """The customer confirms in WeChat: (paid, what the pay page says). `result` overrides the
        amount's band (SUCCESS, NOTENOUGH, ACCOUNT_FROZEN, CANCEL)."""
        expire_if_due(trade)
        state = trade["trade_state"]
        if state in ("SUCCESS", "REFUND"):
            return False, "该订单已支付"
        if state == "CLOSED":
            return False, "订单已关闭"
        if trade["_band"] == oc.ORDER_CLOSED:   # the order's time_expire passed before the customer paid
            trade["trade_state"], trade["trade_state_desc"] = "CLOSED", "订单已关闭"
            return False, "订单已关闭"
        if result is None:
            failure = oc.PAY_FAILURES.get(trade["_band"])
            result = failure[0] if failure else "SUCCESS"
        if result == "CANCEL":
            return False, "已取消支付"
        if result != "SUCCESS":
            desc = oc.RESULT_DESC.get(result, "支付失败")
            trade["trade_state"], trade["trade_state_desc"] = "PAYERROR", desc
            return False, desc
        n = self._n()
        txn = f"42000{datetime.datetime.now(_CST).strftime('%Y%m%d')}{n:013d}"
        trade.update(transaction_id=txn, trade_state="SUCCESS", trade_state_desc="支付成功", bank_type="OTHERS",
                     success_time=wx_time())
        if not trade["payer"]["openid"]:
            trade["payer"]["openid"] = f"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o{n % 100:02d}"
        self.by_txn[txn] = trade["out_trade_no"]
        if trade["_band"] == oc.NOT_EXIST_WHILE_PAID:
            self.hidden[trade["out_trade_no"]] = oc.HIDDEN_LOOKUPS
        return True, "支付成功"

    # -- refunds ------------------------------------------------------------------------------------

    def refund(self, body: dict) -> tuple[dict, bool]:
        """(the refund, whether its answer is lost: band 9011). Same out_refund_no: the same refund."""
        out_refund_no = _text(body, "out_refund_no", 1, 64)
        known = self.refunds.get(out_refund_no)
        if known is not None:
            return public(known), False
        amount = body.get("amount")
        if not isinstance(amount, dict):
            raise param_error("输入源“/body/amount”映射到字段“金额信息”必填性规则校验失败", "amount")
        refund, total = amount.get("refund"), amount.get("total")
        if not _whole(refund) or not _whole(total) or refund <= 0:
            raise param_error("amount.refund / amount.total: 正整数（单位：分）", "amount.refund")
        if amount.get("currency", "CNY") != "CNY":
            raise param_error("amount.currency: 只支持 CNY", "amount.currency")
        if body.get("transaction_id") is not None:
            trade = self.find(transaction_id=str(body["transaction_id"]))
        elif body.get("out_trade_no") is not None:
            trade = self.find(out_trade_no=str(body["out_trade_no"]))
        else:
            raise param_error("transaction_id 与 out_trade_no 必填其一", "out_trade_no")
        if trade is None:
            raise WxError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if trade["trade_state"] not in ("SUCCESS", "REFUND"):
            raise WxError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != trade["amount"]["total"]:
            raise WxError(400, "INVALID_REQUEST", "订单金额与原订单金额不一致")
        if refund > trade["amount"]["total"] - trade["_refunded"]:
            raise WxError(403, "NOT_ENOUGH", "退款金额超过订单可退金额")
        n = self._n()
        trade["_refunded"] += refund
        trade["trade_state"], trade["trade_state_desc"] = "REFUND", "转入退款"
        rec = {
            "refund_id": f"50300{n:023d}", "out_refund_no": out_refund_no,
            "transaction_id": trade["transaction_id"], "out_trade_no": trade["out_trade_no"],
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "success_time": wx_time(),
            "create_time": wx_time(), "status": "SUCCESS", "funds_account": "AVAILABLE",
            "amount": {"total": total, "refund": refund, "payer_total": total, "payer_refund": refund,
                       "settlement_refund": refund, "settlement_total": total, "discount_refund": 0,
                       "currency": "CNY", "refund_fee": 0},
            "_notify_url": body.get("notify_url"), "_created": time.time(),
        }
        self.refunds[out_refund_no] = rec
        return public(rec), trade["_band"] == oc.REFUND_ANSWER_LOST

    def query_refund(self, out_refund_no: str) -> dict:
        rec = self.refunds.get(out_refund_no)
        if rec is None:
            raise WxError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return public(rec)


# -- expiry: an unpaid order closes once its time_expire (else 2 hours) has passed -------------------

def expire_if_due(trade: dict, now: float | None = None) -> bool:
    """Close an unpaid order whose time has run out (WeChat Pay sends no notification for it): a query
    then says CLOSED, paying it fails, ordering it again is ORDERCLOSED. True when it closed now."""
    if trade["trade_state"] not in ("NOTPAY", "PAYERROR") or (now or time.time()) < trade["_expires"]:
        return False
    trade["trade_state"], trade["trade_state_desc"] = "CLOSED", "订单已关闭"
    trade["_expired"] = True
    return True


def expire_now(trade: dict) -> bool:
    """paychaos's `/_sim`: the time of an order with a time_expire passes to it (the customer is away that
    long); one without keeps its 2 hours. True when the order is now closed by its expiry."""
    if trade.get("_time_expire") is not None:
        trade["_expires"] = min(trade["_expires"], time.time())
        expire_if_due(trade)
    return bool(trade.get("_expired"))


def _time_expire(value) -> float | None:
    """An order's `time_expire` (RFC 3339 with its offset, e.g. 2018-06-08T10:34:56+08:00) as a timestamp."""
    if value is None:
        return None
    try:
        when = datetime.datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise param_error("time_expire: 遵循rfc3339标准格式，格式为yyyy-MM-DDTHH:mm:ss+TIMEZONE，"
                          "例如 2018-06-08T10:34:56+08:00", "time_expire")
    if when.timestamp() <= time.time():
        raise param_error("time_expire: 订单失效时间不能早于当前时间", "time_expire")
    return when.timestamp()


def public(obj: dict) -> dict:
    """What the API shows of a stored object: its fields without the private `_` ones (and no null)."""
    return {k: v for k, v in obj.items() if not k.startswith("_") and v is not None}


def resource(trade: dict) -> dict:
    """A transaction as the query answers and the notification's resource show it."""
    res = public(trade)
    res.pop("description", None)
    res.pop("notify_url", None)
    res["amount"] = {"total": trade["amount"]["total"], "payer_total": trade["amount"]["total"] if trade[
        "transaction_id"] else 0, "currency": trade["amount"]["currency"], "payer_currency": trade["amount"]["currency"]}
    return res


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(body: dict, name: str, low: int, high: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise param_error(f"输入源“/body/{name}”映射到字段校验失败: 需要 {low}..{high} 个字符的字符串", name)
    return value


def _amount(body: dict) -> tuple[int, str]:
    amount = body.get("amount")
    if not isinstance(amount, dict):
        raise param_error("输入源“/body/amount”映射到字段“订单金额”必填性规则校验失败", "amount")
    total = amount.get("total")
    if not _whole(total) or not 1 <= total <= 10**10:
        raise param_error("amount.total: 1 以上的整数（单位：分）", "amount.total")
    currency = amount.get("currency", "CNY")
    if currency != "CNY":
        raise param_error("amount.currency: 境内商户只支持 CNY", "amount.currency")
    return total, currency
