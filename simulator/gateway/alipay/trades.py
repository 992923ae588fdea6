"""Alipay trades: state, `out_trade_no` idempotency, the test buyers, and the `alipay.trade.*` methods.

Each method takes the parsed `biz_content` (and the common parameters) and returns the body of its
`*_response` object; business failures raise `AlipayError` (code 40004 and an `ACQ.*` sub_code), as
Alipay answers them. Money is kept in fen (minor units); amounts on the wire are yuan strings ("12.99").

Test buyers (docs/gateway-alipay.md): `auth_code` of `alipay.trade.pay`, or the buyer chosen on the
hosted cashier page, decides what paying does. Any other buyer pays.
"""

from __future__ import annotations

import calendar
import re
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_FEN = 10_000_000_000  # 100,000,000.00 yuan, Alipay's ceiling for total_amount
# How long an unpaid trade waits for its buyer when the merchant names no timeout_express / time_expire:
# a precreate QR code 2 hours, any other trade 15 days (Alipay's defaults).
DEFAULT_LIFETIME_S = {"alipay.trade.precreate": 2 * 3600}
DEFAULT_TIMEOUT_S = 15 * 86400
_TIMEOUT = re.compile(r"^([1-9]\d{0,4})([mhdc])$")
_CST_OFFSET_S = 8 * 3600   # time_expire is written in China Standard Time
_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
_OUT_NO = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class AlipayError(Exception):
    """An answer other than 10000: code, msg, sub_code, sub_msg, and fields that go with it."""

    MSGS = {"20000": "Service Currently Unavailable", "20001": "Insufficient Token Permissions",
            "40001": "Missing Required Arguments", "40002": "Invalid Arguments", "40004": "Business Failed",
            "40006": "Insufficient Permissions"}

    def __init__(self, sub_code: str, sub_msg: str, code: str = "40004", **extra):
        super().__init__(f"{code} {sub_code}: {sub_msg}")
        self.code, self.sub_code, self.sub_msg, self.extra = code, sub_code, sub_msg, extra

    def body(self) -> dict:
        return {"code": self.code, "msg": self.MSGS.get(self.code, "Business Failed"),
                "sub_code": self.sub_code, "sub_msg": self.sub_msg, **self.extra}


@dataclass(frozen=True)
class Buyer:
    """What paying as this buyer does. `error`: (code, sub_code, sub_msg) answered to the pay call;
    `moves_money`: the money moves even so (the answer is lost after the money moved)."""

    name: str
    error: tuple[str, str, str] | None = None
    moves_money: bool = False
    query_not_exist: int = 0      # queries answered ACQ.TRADE_NOT_EXIST although the buyer paid
    paying_ms: int = 0            # 10003 "user paying": the buyer confirms on the phone this much later
    never_confirms: bool = False  # 10003, and the buyer never confirms: the trade closes (timeout)
    summary: str = ""


SYSTEM_ERROR = ("40004", "ACQ.SYSTEM_ERROR", "系统繁忙，请稍后重试")
BUYERS = {b.name: b for b in (
    Buyer("alipay_ok", summary="pays (any buyer not listed pays too)"),
    Buyer("alipay_balance_not_enough", ("40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足"),
          summary="insufficient balance"),
    Buyer("alipay_buyer_frozen", ("40004", "ACQ.BUYER_ENABLE_STATUS_FORBID", "买家状态非法，账户已冻结"),
          summary="buyer account frozen / abnormal"),
    Buyer("alipay_day_limit", ("40004", "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR", "买家付款日限额超限"),
          summary="buyer over the daily limit"),
    Buyer("alipay_system_busy", SYSTEM_ERROR, summary="system busy, no money moved"),
    Buyer("alipay_frequency_limited", ("40004", "ACQ.FREQUENCY_LIMITED", "调用频率超限，请降低调用频率"),
          summary="rate limited, no money moved"),
    Buyer("alipay_paid_answer_lost", SYSTEM_ERROR, moves_money=True,
          summary="system error answered, but the money moved (query shows TRADE_SUCCESS)"),
    Buyer("alipay_paid_not_exist", SYSTEM_ERROR, moves_money=True, query_not_exist=2,
          summary="system error answered, money moved, the first 2 queries say ACQ.TRADE_NOT_EXIST"),
    Buyer("alipay_user_paying", paying_ms=300, summary="10003: the buyer confirms 0.3 s later (notification)"),
    Buyer("alipay_never_confirms", never_confirms=True,
          summary="10003, then the buyer never confirms: the trade closes (TRADE_CLOSED, notified); "
                  "paying it again: ACQ.TRADE_HAS_CLOSE"),
)}


# The payment token a paychaos scenario hands its customers (Stripe's test PaymentMethod names, as
# `customers.cards` spells them) is the buyer's payment code (auth_code) of a barcode payment: a shop
# passes it on unchanged, and the fake answers as the matching Alipay buyer.
TOKEN_BUYERS = {
    "pm_card_visa_chargeDeclinedInsufficientFunds": "alipay_balance_not_enough",
    "pm_card_chargeDeclinedInsufficientFunds": "alipay_balance_not_enough",
    "pm_card_chargeDeclinedRestrictedCard": "alipay_buyer_frozen",
    "pm_card_chargeDeclinedInvalidAccount": "alipay_buyer_frozen",
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": "alipay_day_limit",
    "pm_card_chargeDeclinedVelocityLimitExceeded": "alipay_day_limit",
}

# Test amounts (total_amount in fen; `fen // 100` names the band), numbered as the WeChat Pay fake's
# where the cause is the same, so a scenario's `amount_min/amount_max` means one thing in both dialects.
# Amounts outside 900100..901499 behave normally (a scenario's default amounts stay below 50000).
BAND_SYSTEM_ERROR = 9001       # the first pay call of an out_trade_no: ACQ.SYSTEM_ERROR, no money moved
BAND_FREQUENCY_LIMITED = 9002  # the first pay call of an out_trade_no: ACQ.FREQUENCY_LIMITED, no money moved
BAND_SIGN_ERROR = 9003         # every call that makes a trade: 40002 isv.invalid-signature (a key mix-up)
BAND_BALANCE = 9004            # the buyer's balance is not enough
BAND_FROZEN = 9005             # the buyer's account is frozen
BAND_NOT_EXIST_PAID = 9006     # ACQ.SYSTEM_ERROR after the money moved; the first 2 queries: TRADE_NOT_EXIST
BAND_NOTIFY_DUPLICATE = 9007   # every notification of the trade is sent twice
BAND_NOTIFY_UNSIGNED = 9009    # the payment fails (balance), then an unsigned TRADE_SUCCESS notification comes
BAND_NOTIFY_FORGED = 9010      # the payment fails (balance), then a TRADE_SUCCESS signed by another key comes
BAND_ANSWER_LOST = 9012        # ACQ.SYSTEM_ERROR after the money moved (query: TRADE_SUCCESS)
BAND_CLOSED = 9013             # buyer alipay_never_confirms: 10003, the trade closes; again: ACQ.TRADE_HAS_CLOSE
BAND_FORGED_ANSWER = 9014      # the first pay answer says 10000 but is signed with another key; no money
                               # moved: the buyer's balance is not enough (the next pay call says so)
BAND_BUYERS = {BAND_BALANCE: "alipay_balance_not_enough", BAND_FROZEN: "alipay_buyer_frozen",
               BAND_NOT_EXIST_PAID: "alipay_paid_not_exist", BAND_ANSWER_LOST: "alipay_paid_answer_lost",
               BAND_NOTIFY_UNSIGNED: "alipay_balance_not_enough", BAND_NOTIFY_FORGED: "alipay_balance_not_enough",
               BAND_CLOSED: "alipay_never_confirms", BAND_FORGED_ANSWER: "alipay_balance_not_enough"}
SIGN_ERROR = ("40002", "isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配")
FORGED_SIGN = "_forged_sign"   # a method's answer carrying this key is signed with a key that is not Alipay's
FIRST_CALL_ERRORS = {BAND_SYSTEM_ERROR: SYSTEM_ERROR,
                     BAND_FREQUENCY_LIMITED: ("40004", "ACQ.FREQUENCY_LIMITED", "调用频率超限，请降低调用频率")}
FORGED_NOTIFY = {BAND_NOTIFY_UNSIGNED: "unsigned", BAND_NOTIFY_FORGED: "forged"}


def buyer_for(auth_code: str, fen: int) -> str:
    """Who pays: a test amount's buyer first, else the test buyer (or scenario token) the code names."""
    return BAND_BUYERS.get(fen // 100) or TOKEN_BUYERS.get(auth_code, auth_code)


def parse_amount(value, name: str) -> int:
    """'12.99' -> 1299 fen; AlipayError ACQ.INVALID_PARAMETER naming the field otherwise."""
    text = str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
    if not _AMOUNT.match(text):
        raise AlipayError("ACQ.INVALID_PARAMETER", f"参数有误：{name} 应为元，最多两位小数 (got {text[:20]!r})")
    try:
        fen = int((Decimal(text) * 100).to_integral_value(ROUND_HALF_UP))
    except InvalidOperation:
        raise AlipayError("ACQ.INVALID_PARAMETER", f"参数有误：{name}") from None
    if not 1 <= fen <= MAX_FEN:
        raise AlipayError("ACQ.TOTAL_FEE_EXCEED", f"{name} 超出范围 0.01..100000000.00")
    return fen


def _expiry(biz: dict) -> float | None:
    """When an unpaid trade closes, from biz_content's time_expire ("yyyy-MM-dd HH:mm:ss", China Standard
    Time) or timeout_express (1m..15d: "90m", "2h", "1d", "1c" = until midnight); None: neither given."""
    text = biz.get("time_expire")
    if text is not None:
        try:
            parsed = time.strptime(str(text)[:19], "%Y-%m-%d %H:%M:%S") if len(str(text)) == 19 else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：time_expire 格式为 yyyy-MM-dd HH:mm:ss", code="40002")
        return calendar.timegm(parsed) - _CST_OFFSET_S
    text = biz.get("timeout_express")
    if text is None:
        return None
    match = _TIMEOUT.match(str(text))
    unit_s = {"m": 60, "h": 3600, "d": 86400}
    if match is None:
        raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：timeout_express 取值范围 1m～15d（m 分钟, h 小时, "
                          "d 天, 1c 当天）", code="40002")
    count, unit = int(match.group(1)), match.group(2)
    now = time.time()
    if unit == "c":
        return now + 86400 - (now + _CST_OFFSET_S) % 86400
    seconds = count * unit_s[unit]
    if not 60 <= seconds <= 15 * 86400:
        raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：timeout_express 取值范围 1m～15d", code="40002")
    return now + seconds


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Trade:
    trade_no: str
    out_trade_no: str
    fen: int
    subject: str
    product: str                      # FACE_TO_FACE_PAYMENT, FAST_INSTANT_TRADE_PAY, QUICK_WAP_WAY...
    method: str                       # the call that made it
    status: str = "WAIT_BUYER_PAY"    # WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED, TRADE_FINISHED
    notify_url: str = ""
    return_url: str = ""
    quit_url: str = ""                # wap pay: where the cashier sends a buyer who leaves it unpaid
    passback: str = ""
    buyer: str = ""
    buyer_user_id: str = ""
    created: float = field(default_factory=time.time)
    paid_at: float | None = None
    refunded: int = 0
    scanned: bool = False             # precreate: Alipay knows the trade only once the buyer scanned
    expires: float = 0.0              # unpaid by then: TRADE_CLOSED (timeout_express / time_expire)
    expiry_given: bool = False        # the merchant named timeout_express or time_expire
    expired: bool = False             # closed by its expiry (not by a close or cancel call)
    not_exist_left: int = 0           # queries still to answer ACQ.TRADE_NOT_EXIST (test buyer)
    pay_calls: int = 0                # alipay.trade.pay calls for this out_trade_no (test amounts)
    refunds: dict[str, dict] = field(default_factory=dict)   # out_request_no -> refund

    def metadata(self) -> dict:
        """What the ledger's metadata says: out_trade_no, and passback_params' `k=v` pairs."""
        meta = {"out_trade_no": self.out_trade_no}
        for part in self.passback.split("&") if self.passback else ():
            key, sep, value = part.partition("=")
            if sep and key and value:
                meta.setdefault(key, value)
        return meta


class Trades:
    def __init__(self, seed: int | None = None):
        self.seed = seed
        self.clear()

    def clear(self) -> None:
        self.by_no: dict[str, Trade] = {}
        self.by_out: dict[str, Trade] = {}
        self.order: list[str] = []
        self.seq = 0
        self.refund_seq = 0
        self.requests_by_method: dict[str, int] = defaultdict(int)
        self.forced: list[dict] = []      # /_sim/alipay/failures: answers forced on the next calls
        self.on_paid = None               # callback(trade): the notifier sends TRADE_SUCCESS
        self.on_forge = None              # callback(trade, mode): a made-up notification (test amounts)
        self.on_closed = None             # callback(trade): the notifier sends TRADE_CLOSED (closed by timeout)

    # -- ids and lookups --------------------------------------------------------------------------

    def _trade_no(self) -> str:
        self.seq += 1
        # 28 digits as Alipay's are (too long to look like a card number)
        return time.strftime("%Y%m%d") + "22001" + f"{(self.seed or 0) % 1000:03d}" + f"{self.seq:012d}"

    def find(self, biz: dict, *, visible_only: bool = True) -> Trade | None:
        trade = None
        if biz.get("trade_no"):
            trade = self.by_no.get(str(biz["trade_no"]))
        elif biz.get("out_trade_no"):
            trade = self.by_out.get(str(biz["out_trade_no"]))
        else:
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：out_trade_no 和 trade_no 不能同时为空")
        if trade is not None:
            self.expire_if_due(trade)
        if trade is not None and visible_only and trade.product == "FACE_TO_FACE_PAYMENT" \
                and trade.method == "alipay.trade.precreate" and not trade.scanned:
            return None   # Alipay knows a precreated trade only once its QR code is scanned
        return trade

    def _must_find(self, biz: dict) -> Trade:
        trade = self.find(biz)
        if trade is None:
            raise AlipayError("ACQ.TRADE_NOT_EXIST", "交易不存在")
        return trade

    def _new(self, biz: dict, common: dict, method: str, product: str) -> Trade:
        out_no = str(biz.get("out_trade_no") or "")
        if not _OUT_NO.match(out_no):
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：out_trade_no 为 1..64 位字母、数字、_ 或 -")
        fen = parse_amount(biz.get("total_amount"), "total_amount")
        if fen // 100 == BAND_SIGN_ERROR:   # as after a key mix-up: the request's signature does not verify
            code, sub_code, sub_msg = SIGN_ERROR
            raise AlipayError(sub_code, sub_msg, code=code)
        subject = str(biz.get("subject") or "")
        if not subject:
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：缺少 subject", code="40002")
        expiry = _expiry(biz)
        existing = self.by_out.get(out_no)
        if existing is not None:
            self.expire_if_due(existing)
            if existing.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                raise AlipayError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付", out_trade_no=out_no,
                                  trade_no=existing.trade_no)
            if existing.status == "TRADE_CLOSED":
                raise AlipayError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭", out_trade_no=out_no)
            if existing.fen != fen:
                raise AlipayError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改：同一 out_trade_no 的金额不同")
            return existing   # the same order asked again: the same trade (out_trade_no idempotency)
        trade = Trade(self._trade_no(), out_no, fen, subject[:256], product, method,
                      notify_url=str(common.get("notify_url") or ""), return_url=str(common.get("return_url") or ""),
                      passback=str(biz.get("passback_params") or ""))
        trade.expiry_given = expiry is not None
        trade.expires = expiry if expiry is not None else trade.created + DEFAULT_LIFETIME_S.get(method, DEFAULT_TIMEOUT_S)
        self.by_no[trade.trade_no] = trade
        self.by_out[out_no] = trade
        self.order.append(trade.trade_no)
        return trade

    # -- paying ---------------------------------------------------------------------------------

    def settle(self, trade: Trade, buyer_name: str) -> None:
        """The buyer pays the trade: money moves, the notification goes out."""
        if trade.status != "WAIT_BUYER_PAY":
            return
        trade.status = "TRADE_SUCCESS"
        trade.paid_at = time.time()
        trade.buyer = buyer_name
        trade.buyer_user_id = "2088" + f"{zlib.crc32(buyer_name.encode()) % 10**12:012d}"
        if self.on_paid is not None:
            self.on_paid(trade)

    def buyer_pays(self, trade: Trade, buyer_name: str, schedule=None) -> Buyer:
        """The buyer tries to pay `trade` (barcode, cashier page, QR scan): the buyer's outcome applied.
        Raises AlipayError for a buyer whose payment fails; for one whose answer is lost after the money
        moved, the money moves first. `schedule(delay_s, fn)` runs the 10003 buyer's later confirmation."""
        buyer = BUYERS.get(buyer_name, Buyer(buyer_name))
        self.expire_if_due(trade)
        if trade.status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
            raise AlipayError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付", out_trade_no=trade.out_trade_no,
                              trade_no=trade.trade_no)
        if trade.status == "TRADE_CLOSED":
            raise AlipayError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭", out_trade_no=trade.out_trade_no)
        trade.scanned = True
        if buyer.never_confirms:   # the buyer never confirms on the phone: the trade times out and closes
            trade.buyer = buyer_name
            trade.status = "TRADE_CLOSED"
            if self.on_closed is not None:
                self.on_closed(trade)
            return buyer
        if buyer.paying_ms and schedule is not None:
            trade.buyer = buyer_name
            schedule(buyer.paying_ms / 1000, lambda: self.settle(trade, buyer_name))
            return buyer
        if buyer.error is not None:
            if buyer.moves_money:
                self.settle(trade, buyer_name)
                trade.not_exist_left = buyer.query_not_exist
            code, sub_code, sub_msg = buyer.error
            raise AlipayError(sub_code, sub_msg, code=code)
        self.settle(trade, buyer_name)
        return buyer

    # -- expiry -----------------------------------------------------------------------------------

    def expire_if_due(self, trade: Trade, now: float | None = None) -> bool:
        """Close a trade still waiting for its buyer once its time is out: TRADE_CLOSED, and the
        TRADE_CLOSED notification when Alipay knew the trade (a precreate code someone scanned)."""
        if trade.status != "WAIT_BUYER_PAY" or (now or time.time()) < trade.expires:
            return False
        trade.status, trade.expired = "TRADE_CLOSED", True
        known = not (trade.method == "alipay.trade.precreate" and not trade.scanned)
        if known and self.on_closed is not None:
            self.on_closed(trade)
        return True

    def expire_now(self, trade: Trade) -> bool:
        """paychaos's `/_sim`: the time of a trade the merchant gave a timeout_express / time_expire passes
        to it; one without keeps Alipay's default. True when the trade is now closed by its expiry."""
        if trade.expiry_given:
            trade.expires = min(trade.expires, time.time())
            self.expire_if_due(trade)
        return trade.expired

    def time_out(self, trade: Trade) -> bool:
        """paychaos's `/_sim`: the trade's whole lifetime passes, Alipay's default included (15 days for a
        page or wap trade): a trade still waiting closes as timed out. True when the trade is now closed
        (by this, or earlier by its merchant's close or its own expiry)."""
        if trade.status == "WAIT_BUYER_PAY":
            trade.expires = min(trade.expires, time.time())
            self.expire_if_due(trade)
        return trade.status == "TRADE_CLOSED"

    def _take_forced(self, method: str) -> AlipayError | None:
        for i, rule in enumerate(self.forced):
            if rule["method"] in (method, "*"):
                rule["times"] -= 1
                if rule["times"] <= 0:
                    del self.forced[i]
                return AlipayError(rule["sub_code"], rule["sub_msg"], code=rule["code"])
        return None

    # -- the methods --------------------------------------------------------------------------

    def call(self, method: str, biz: dict, common: dict, schedule=None) -> dict:
        self.requests_by_method[method] += 1
        forced = self._take_forced(method)
        if forced is not None:
            raise forced
        handler = METHODS.get(method)
        if handler is None:
            raise AlipayError("isv.invalid-method", f"不存在的方法名 {method[:60]}", code="40002")
        return handler(self, biz, common, schedule)

    def pay(self, biz: dict, common: dict, schedule) -> dict:
        if str(biz.get("scene") or "bar_code") not in ("bar_code", "security_code", "wave_code"):
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：scene 应为 bar_code / security_code")
        auth_code = str(biz.get("auth_code") or "")
        if not auth_code:
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：缺少 auth_code（买家付款码）", code="40002")
        trade = self._new(biz, common, "alipay.trade.pay", "FACE_TO_FACE_PAYMENT")
        trade.pay_calls += 1
        band = trade.fen // 100
        if band in FIRST_CALL_ERRORS and trade.pay_calls == 1 and trade.status == "WAIT_BUYER_PAY":
            code, sub_code, sub_msg = FIRST_CALL_ERRORS[band]
            raise AlipayError(sub_code, sub_msg, code=code)
        if band == BAND_FORGED_ANSWER and trade.pay_calls == 1 and trade.status == "WAIT_BUYER_PAY":
            # a made-up "paid" (as a man in the middle would answer): no money moved
            return {**self._trade_fields(trade), "gmt_payment": _now(), FORGED_SIGN: True}
        try:
            buyer = self.buyer_pays(trade, buyer_for(auth_code, trade.fen), schedule)
        except AlipayError:
            if band in FORGED_NOTIFY and self.on_forge is not None and trade.status == "WAIT_BUYER_PAY":
                self.on_forge(trade, FORGED_NOTIFY[band])
            raise
        if buyer.paying_ms or buyer.never_confirms:
            raise _Paying(self._trade_fields(trade))
        return {**self._trade_fields(trade), "gmt_payment": _now(), "fund_bill_list": [
            {"fund_channel": "ALIPAYACCOUNT", "amount": yuan(trade.fen)}]}

    def create(self, biz: dict, common: dict, schedule) -> dict:
        trade = self._new(biz, common, "alipay.trade.create", "FACE_TO_FACE_PAYMENT")
        trade.scanned = True
        return {"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}

    def precreate(self, biz: dict, common: dict, schedule) -> dict:
        trade = self._new(biz, common, "alipay.trade.precreate", "FACE_TO_FACE_PAYMENT")
        return {"out_trade_no": trade.out_trade_no, "qr_code": f"{common['_base_url']}/alipay/qr/{trade.trade_no}"}

    def query(self, biz: dict, common: dict, schedule) -> dict:
        trade = self._must_find(biz)
        if trade.not_exist_left > 0:
            trade.not_exist_left -= 1
            raise AlipayError("ACQ.TRADE_NOT_EXIST", "交易不存在")
        out = self._trade_fields(trade)
        out["trade_status"] = trade.status
        if trade.paid_at:
            out.update(send_pay_date=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(trade.paid_at)),
                       buyer_pay_amount=yuan(trade.fen), receipt_amount=yuan(trade.fen - trade.refunded))
        return out

    def close(self, biz: dict, common: dict, schedule) -> dict:
        trade = self._must_find(biz)
        if trade.status != "WAIT_BUYER_PAY":
            raise AlipayError("ACQ.TRADE_STATUS_ERROR", f"交易状态不合法 ({trade.status})")
        trade.status = "TRADE_CLOSED"
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}

    def cancel(self, biz: dict, common: dict, schedule) -> dict:
        """Alipay's remedy for an unknown pay result: closes a waiting trade, refunds a paid one,
        and blocks an out_trade_no Alipay has not seen (a later pay with it is ACQ.TRADE_HAS_CLOSE)."""
        trade = self.find(biz, visible_only=False)
        if trade is None:
            out_no = str(biz.get("out_trade_no") or "")
            if not out_no:
                raise AlipayError("ACQ.TRADE_NOT_EXIST", "交易不存在")
            trade = Trade(self._trade_no(), out_no, 0, "", "FACE_TO_FACE_PAYMENT", "alipay.trade.cancel",
                          status="TRADE_CLOSED")
            self.by_no[trade.trade_no] = trade
            self.by_out[out_no] = trade
            self.order.append(trade.trade_no)
            return {"trade_no": trade.trade_no, "out_trade_no": out_no, "retry_flag": "N", "action": "close"}
        if trade.status == "WAIT_BUYER_PAY":
            trade.status = "TRADE_CLOSED"
            action = "close"
        elif trade.status == "TRADE_SUCCESS":
            left = trade.fen - trade.refunded
            if left > 0:
                self._refund(trade, left, f"cancel-{trade.trade_no}", "撤销")
            trade.status = "TRADE_CLOSED"
            action = "refund"
        elif trade.status == "TRADE_CLOSED":
            action = "close"
        else:
            raise AlipayError("ACQ.TRADE_STATUS_ERROR", f"交易状态不合法 ({trade.status})")
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "retry_flag": "N",
                "action": action}

    def refund(self, biz: dict, common: dict, schedule) -> dict:
        trade = self._must_find(biz)
        fen = parse_amount(biz.get("refund_amount"), "refund_amount")
        request_no = str(biz.get("out_request_no") or trade.out_trade_no)
        done = trade.refunds.get(request_no)
        fields = {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                  "buyer_logon_id": _logon(trade.buyer), "buyer_user_id": trade.buyer_user_id}
        if done is not None:   # the same out_request_no again: answered, no money moves twice
            if done["fen"] != fen:
                raise AlipayError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "同一 out_request_no 的退款金额不一致")
            return {**fields, "fund_change": "N", "refund_fee": yuan(trade.refunded),
                    "gmt_refund_pay": done["gmt"]}
        if trade.status not in ("TRADE_SUCCESS",):
            raise AlipayError("ACQ.TRADE_STATUS_ERROR", f"交易状态不合法 ({trade.status})，不能退款")
        if trade.refunded + fen > trade.fen:
            raise AlipayError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        refund = self._refund(trade, fen, request_no, str(biz.get("refund_reason") or ""))
        return {**fields, "fund_change": "Y", "refund_fee": yuan(trade.refunded), "gmt_refund_pay": refund["gmt"]}

    def _refund(self, trade: Trade, fen: int, request_no: str, reason: str) -> dict:
        self.refund_seq += 1
        refund = {"id": f"ali_re_{self.refund_seq:08d}", "fen": fen, "out_request_no": request_no,
                  "reason": reason[:256], "gmt": _now(), "created": time.time()}
        trade.refunds[request_no] = refund
        trade.refunded += fen
        return refund

    def refund_query(self, biz: dict, common: dict, schedule) -> dict:
        trade = self._must_find(biz)
        request_no = str(biz.get("out_request_no") or "")
        if not request_no:
            raise AlipayError("ACQ.INVALID_PARAMETER", "参数有误：缺少 out_request_no", code="40002")
        refund = trade.refunds.get(request_no)
        out = {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "out_request_no": request_no}
        if refund is None:
            return out   # Alipay answers 10000 without refund_status: no such refund (yet)
        return {**out, "total_amount": yuan(trade.fen), "refund_amount": yuan(refund["fen"]),
                "refund_status": "REFUND_SUCCESS", "gmt_refund_pay": refund["gmt"]}

    def page_pay(self, biz: dict, common: dict, schedule) -> dict:
        product = "FAST_INSTANT_TRADE_PAY" if common["method"] == "alipay.trade.page.pay" else "QUICK_WAP_WAY"
        trade = self._new(biz, common, common["method"], product)
        trade.scanned = True
        if product == "QUICK_WAP_WAY" and biz.get("quit_url"):
            trade.quit_url = str(biz["quit_url"])
        return {"trade_no": trade.trade_no}

    def _trade_fields(self, trade: Trade) -> dict:
        return {"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "total_amount": yuan(trade.fen),
                "buyer_logon_id": _logon(trade.buyer), "buyer_user_id": trade.buyer_user_id}


class _Paying(Exception):
    """alipay.trade.pay answered 10003: the buyer still has to confirm on the phone."""

    def __init__(self, fields: dict):
        super().__init__("user paying")
        self.fields = fields


def _logon(buyer: str) -> str:
    return "" if not buyer else "159****" + f"{zlib.crc32(buyer.encode()) % 10000:04d}"


METHODS = {
    "alipay.trade.pay": Trades.pay,
    "alipay.trade.create": Trades.create,
    "alipay.trade.precreate": Trades.precreate,
    "alipay.trade.query": Trades.query,
    "alipay.trade.close": Trades.close,
    "alipay.trade.cancel": Trades.cancel,
    "alipay.trade.refund": Trades.refund,
    "alipay.trade.fastpay.refund.query": Trades.refund_query,
}
PAGE_METHODS = ("alipay.trade.page.pay", "alipay.trade.wap.pay")
