"""Flow `qr`: the shop shows a QR code and the customer scans it with their phone (docs/flows/qr.md).

1. The QR code's content comes from the merchant's answer: `checkout.outcome.qr` (a JSON path or
   header.NAME), else the first of `$.qr`, `$.code_url`, `$.qr_code`. None: the merchant's answer is
   the outcome (a refusal, an outage), read with `checkout.outcome`.
2. "Here is your QR code" is pending, never paid nor failed, whatever the answer's status says.
3. The phone scans it, through the proxy (the customer's leg, journaled, faults apply):
   - WeChat Pay Native, `weixin://wxpay/bizpayurl?pr=PREPAY`: the phone opens the WeChat Pay gateway's
     `/pay/wx/bizpayurl?pr=PREPAY` and confirms (`action=pay`); the order's amount decides the outcome
     as the fake's test amounts say.
   - Alipay precreate, the gateway's `/alipay/qr/TRADE_NO`: the phone opens it (the scan) and pays as
     the buyer the customer's payment token names (the fake's test buyers and amounts decide).
   Anything else cannot be scanned: the checkout is inconclusive, with the reason.
4. Then the shop's order is read through the target's `order_status`, within the scenario's answer
   budget, until it is no longer pending: that state is what the customer ends up with (the shop's
   page polls it, as a QR checkout page does).

The scenario's QR actions: `qr_walk_away`, the phone scans and the customer walks away unpaid; the
code's time runs out (the gateway's /_sim moves the order to the time_expire / timeout_express the shop
gave it; a code without one keeps its gateway's default lifetime), and the shop's page is read until it
says the order is over. `qr_pay_late`: then the customer comes back, scans again and pays; the page is
read once more (a payment that went through gives the shop's notification handler a moment).
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from paychaos.driver.browser import LeftLoopback, origin
from paychaos.observations import CheckoutResult
from paychaos.scenario.model import Action
from paychaos.target import QR_PATHS, Answer, read_field

if TYPE_CHECKING:
    from paychaos.driver.browser import Browser
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment

WECHAT_PREFIX = "weixin://wxpay/bizpayurl?"
ALIPAY_QR = re.compile(r"^/alipay/qr/([A-Za-z0-9_-]{1,64})$")
PAID_WORDS = "支付成功"   # what both fakes' wallet pages say once the money moved
LATE_WAITS_S = (0.2, 0.4, 0.8, 1.6, 2.0)
POLL_WAITS_S = (0.2, 0.3, 0.5, 0.8, 1.2, 1.5, 2.0)   # then every 2 s, until the answer budget is spent


def qr_content(driver: Driver, answer: Answer) -> str | None:
    sources = (driver.target.outcome.qr,) if driver.target.outcome.qr else QR_PATHS
    for source in sources:
        value = read_field(answer, source)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def finish(driver: Driver, customer: Customer, payment: Payment, result: CheckoutResult, answer: Answer,
           browser: Browser) -> None:
    driver.read_answer(result, customer, answer)
    code = qr_content(driver, answer)
    if code is None:
        return   # no QR code: the merchant's own answer (a refusal, an error) is the outcome
    result.status, result.raw_status = "pending", "qr_shown"   # a QR code is not yet money
    result.sim.append("qr_shown")
    if customer.action in (Action.QR_WALK_AWAY, Action.QR_PAY_LATE):
        try:
            _walk_away(driver, browser, customer, payment, code, result)
        except LeftLoopback as exc:
            result.inconclusive = f"the QR code leads off this machine: {exc}"
        return
    try:
        scanned = _scan(driver, browser, customer, payment, code, result)
    except LeftLoopback as exc:
        result.inconclusive = f"the QR code leads off this machine: {exc}"
        return
    if result.elapsed_s is not None:
        result.elapsed_s += browser.elapsed_s
    if scanned:
        _read_order(driver, customer, result, browser.timeout_s)


def recognise(driver: Driver, code: str) -> tuple[str, str] | str:
    """(gateway page URL to open, dialect) for a QR code the phone can scan, else why it cannot."""
    gateways = driver.gateway_dialects
    if code.startswith(WECHAT_PREFIX):
        prepay = (parse_qs(code[len(WECHAT_PREFIX):]).get("pr") or [""])[0]
        wechat = [g for g, d in gateways.items() if d == "wechatpay"]
        if not prepay:
            return "a WeChat Pay code_url without its pr= (prepay id)"
        if not wechat:
            return "a WeChat Pay code_url, but no gateway of this run speaks WeChat Pay"
        return f"{wechat[0].rstrip('/')}/pay/wx/bizpayurl?pr={prepay}", "wechatpay"
    parts = urlsplit(code)
    if parts.scheme in ("http", "https") and ALIPAY_QR.match(parts.path):
        own = {origin(g): d for g, d in gateways.items()}
        if own.get(origin(code)) == "alipay":
            return code, "alipay"
        return f"an Alipay QR code of {origin(code)}, which is not this run's Alipay gateway"
    shown = code if len(code) <= 60 else code[:57] + "..."
    return (f"{shown!r} is neither a WeChat Pay Native code_url (weixin://wxpay/bizpayurl?pr=...) nor an "
            "Alipay precreate qr_code of this run's gateway")


def _scan(driver: Driver, browser: Browser, customer: Customer, payment: Payment, code: str,
          result: CheckoutResult) -> bool:
    """The phone scans and pays; False when it could not (the checkout is then inconclusive or pending)."""
    found = recognise(driver, code)
    if isinstance(found, str):
        result.inconclusive = f"the driver cannot scan this QR code: {found}"
        return False
    url, dialect = found
    page = browser.get(url)   # the scan: the wallet opens the order
    if page.status != 200:
        result.raw_status = f"qr_scan_{page.error or page.status}"
        return False
    paid = _pay(browser, url, dialect, payment)
    if paid.status is None or paid.status >= 500:
        result.raw_status = f"qr_pay_{paid.error or paid.status}"
        return False   # the phone heard nothing back: the shop's order still tells what happened
    result.sim.append(f"qr_scanned_{dialect}")
    return True


def _pay(browser: Browser, url: str, dialect: str, payment: Payment):
    """The customer presses pay on the wallet's page (WeChat Pay: confirm; Alipay: pay as their buyer)."""
    if dialect == "wechatpay":
        return browser.post(url, {"action": "pay"})
    return browser.post(url.replace("/alipay/qr/", "/alipay/cashier/"), {"buyer": payment.token or "alipay_ok"})


def expire_path(url: str, dialect: str) -> str:
    """The gateway's /_sim call that lets the scanned code's time run out."""
    if dialect == "wechatpay":
        prepay = (parse_qs(urlsplit(url).query).get("pr") or [""])[0]
        return f"/_sim/wechatpay/orders/{prepay}/expire"
    return f"/_sim/alipay/trades/{urlsplit(url).path.rsplit('/', 1)[-1]}/expire"


def _walk_away(driver: Driver, browser: Browser, customer: Customer, payment: Payment, code: str,
               result: CheckoutResult) -> None:
    """`qr_walk_away` / `qr_pay_late`: scan, walk away unpaid, the code's time runs out, read the shop's
    page; a late customer then scans again and pays, and the page is read again."""
    found = recognise(driver, code)
    if isinstance(found, str):
        result.inconclusive = f"the driver cannot scan this QR code: {found}"
        return
    url, dialect = found
    page = browser.get(url)   # the scan: the wallet opens the order; the customer does not pay
    if page.status != 200:
        result.raw_status = f"qr_scan_{page.error or page.status}"
        return
    result.sim.append("qr_walked_away")
    answer = driver.sim_call(origin(url), expire_path(url, dialect))
    if answer and answer.get("expired"):
        result.sim.append("qr_expired")
    _read_order(driver, customer, result, browser.timeout_s)
    if result.status != "pending":
        result.sim.append("qr_order_over")   # the shop's page says the order is over
    if customer.action is Action.QR_WALK_AWAY:
        return
    browser.get(url)          # back, late: the code is scanned again
    paid = _pay(browser, url, dialect, payment)
    if paid.status is None or paid.status >= 500:
        result.sim.append(f"qr_late_pay_{paid.error or paid.status}")
        return
    moved = paid.status < 400 and PAID_WORDS in (paid.text or "")
    result.sim.append("qr_paid_late" if moved else "qr_late_refused")
    if moved:   # the shop hears of money for an order it gave up: its page is read until it changes
        before = result.raw_status
        for state in driver.order_reads(customer, result.merchant_order_id, LATE_WAITS_S):
            _apply(result, state)
            if result.raw_status != before:
                break


def _read_order(driver: Driver, customer: Customer, result: CheckoutResult, budget_s: float) -> None:
    """The shop's QR page polls the order: its state once no longer pending, within the answer budget."""
    if driver.target.order_status is None:
        result.raw_status = "qr_scanned_no_order_status"
        return
    deadline = time.monotonic() + max(budget_s, 1.0)
    waits = iter(POLL_WAITS_S)
    state: dict = {}
    while True:
        time.sleep(next(waits, 2.0))
        state = driver.order_status(customer.order_id, merchant_order_id=result.merchant_order_id)
        if state.get("status") not in (None, "pending") or time.monotonic() >= deadline:
            break
    _apply(result, state)


def _apply(result: CheckoutResult, state: dict) -> None:
    """What the shop's QR page shows once it read the order: the customer's status and message."""
    status = state.get("status")
    result.raw_status = f"qr_order_{state.get('raw_status') or status}"
    if status == "paid":
        result.status = "paid"
    elif status in ("failed", "canceled"):
        result.status = "failed"
    else:
        result.status = "pending"
    message = state.get("message")
    if isinstance(message, str) and message.strip():
        result.message = message.strip()[:500]
