"""Flow `redirect`: the merchant creates a Checkout Session and sends the customer to its hosted page
(docs/flows/redirect.md).

1. The page's URL comes from the merchant's answer: `checkout.outcome.redirect_url` (a JSON path or
   header.NAME), else the `Location` of a 3xx, else `$.url`. None: the merchant's answer is the outcome.
2. The browser opens the page and pays it as the page's script does (page_script.py): the
   PaymentMethod from the customer's test card (or the broken one of a raw-card action), then
   `POST /v1/payment_pages/{cs}/confirm`, through the proxy (a `kind: payment` call faults reach).
   No answer it can act on: the customer reloads the page and presses Pay again (three presses at most).
3. A 3-D Secure challenge is passed, failed (`three_ds_fail`) or left (`three_ds_abandon`: the
   customer is gone and never hears back; pending, with the challenge page as the last thing seen).
4. A refused card or a failed challenge: the page shows the gateway's message; the customer presses
   Cancel and follows it to the merchant's cancel_url. A page no longer open (paid by another tab or
   by a confirm whose answer was lost; expired) links back to the shop, and the customer follows it.
5. The redirect back (success_url or cancel_url, loopback only) is followed, and the merchant's answer
   there is read with the target's `checkout.outcome`, as a checkout answer is: what the customer is
   told. Then the merchant's order is read a few times, giving its webhook a moment to land.

Alipay's cashier (alipay.trade.page.pay / wap.pay) is paid as the buyer the customer's token names; a
refusal shows Alipay's words and the customer follows its link back to the shop. A cashier that does not
load (5xx, no answer) is reloaded, as a customer on a phone does (three tries). Alipay's error page for the
shop's signed URL (a closed out_trade_no: ACQ.TRADE_HAS_CLOSE; a bad signature) has no way back: the
customer is left there with Alipay's words. A shop whose return page sends the customer on to another
gateway's page (its backup) is followed there once more.

The page's own actions: `leave_page` / `pay_late` (the session's time runs out; a late customer
follows the expired page back to the shop) and `async_settles` / `async_fails` (Alipay or WeChat Pay,
whose money settles or fails after the customer is back and the merchant's order was read), and, on
Alipay's cashier, `pay_again_after_close`: the customer leaves the cashier unpaid (取消, then 返回商家 to
the shop's quit_url or return_url), the trade closes (the shop's close, or its lifetime passing through
the gateway's /_sim), and core.Driver has the customer pay the same order again.
"""

from __future__ import annotations

import html
import re
import time
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from paychaos.common.masking import count_pans, mask_text
from paychaos.common.stripe_hosts import HOOKS_PATH
from paychaos.driver.browser import LeftLoopback, Page, origin
from paychaos.driver.page_script import PAUSE_S, PRESSES, WALLETS, PageScript, Step, settle_async, wallet_for
from paychaos.merchant_request import shown_text
from paychaos.observations import CheckoutResult
from paychaos.scenario.model import Action
from paychaos.target import Answer, read_field

if TYPE_CHECKING:
    from paychaos.driver.browser import Browser
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment

MAX_HOPS = 8
# a Stripe Checkout Session's hosted page, paid as its own script does: the gateway's own address, or
# https://checkout.stripe.com/c/pay/cs_... in forward mode (opened through the forward listener)
CHECKOUT_PAGE_PREFIXES = ("/pay/cs_", "/c/pay/cs_")
CHALLENGE_PATHS = ("/_3ds/", HOOKS_PATH)   # the gateway's 3-D Secure page; hooks.stripe.com's in forward mode
BODY_LIMIT = 2000
_ALREADY_PAID = "This checkout session is complete."   # what the hosted page says once it is paid
_ERROR = re.compile(r"<p class=error[^>]*>(.*?)</p>", re.S)
_BACK = re.compile(r"<a id=back href='([^']*)'")        # a closed page's link back to the shop
_ALIPAY_CASHIER = re.compile(r'<form method="post" action="(/alipay/cashier/[A-Za-z0-9_-]+)"')
_ALIPAY_RESULT = re.compile(r"<p id=result>(.*?)</p>", re.S)   # what Alipay's cashier says after paying
HOSTED_PAGES = 2   # the primary gateway's page, then the backup's when the shop sends the customer on
# CheckoutResult.sim, action pay_again_after_close: the customer left Alipay's cashier unpaid and was back at
# the shop; the trade is closed (TRADE_CLOSED) when they pay again; the shop sent them to a closed trade
CASHIER_LEFT = "cashier_left"
TRADE_CLOSED = "trade_closed"
CLOSED_TRADE_REOPENED = "closed_trade_reopened"


def page_url(driver: Driver, answer: Answer) -> str | None:
    source = driver.target.outcome.redirect_url
    if source:
        value = read_field(answer, source)
    elif 300 <= answer.http_status < 400:
        value = read_field(answer, "header.Location")
    else:
        value = read_field(answer, "$.url")
    if not isinstance(value, str) or not value.strip():
        return None
    return urljoin(driver.base_url + "/", value.strip())


def finish(driver: Driver, customer: Customer, payment: Payment, result: CheckoutResult, answer: Answer,
           browser: Browser) -> None:
    driver.read_answer(result, customer, answer)
    url = page_url(driver, answer)
    if url is None:
        return  # the merchant's own answer (a refusal, an error page) is the outcome
    result.status, result.raw_status = "pending", "redirect"
    result.body = ""   # a 303's body is never shown to the customer
    # nor is the page's URL: the gateway's own parameters (Alipay's 16-digit app_id) are no card number shown
    result.pan_leaks = max(0, result.pan_leaks - count_pans(url))
    try:
        for _ in range(HOSTED_PAGES):
            back, shown = _pay(driver, browser, origin(driver.base_url), customer, payment, url, result)
            if back is None:
                break
            _back_at_merchant(driver, customer, result, back, shown)
            url = _onward(driver, back)
            if url is None or result.status == "paid":
                break
            result.sim.append("sent_onward")   # the shop sent the customer on to another gateway's page
            result.pan_leaks = max(0, result.pan_leaks - count_pans(url))
            result.status, result.raw_status = "pending", "redirect"
    except LeftLoopback as exc:
        result.status, result.raw_status, result.message = "pending", "left_loopback", str(exc)
    if result.elapsed_s is not None:
        result.elapsed_s += browser.elapsed_s
    if result.status == "paid" or "session_expired" in result.sim:   # its webhook is on the way
        driver.wait_for_order(customer, result.merchant_order_id)


def _pay(driver: Driver, browser: Browser, merchant: str, customer: Customer, payment: Payment, url: str,
         result: CheckoutResult) -> tuple[Page | None, str | None]:
    """Pay the hosted page: the merchant's answer the browser ends on (None: the customer never got back)
    and the hosted page's last error message (a decline), if any."""
    page = browser.get(url)
    alipay = _alipay_gateway(driver, url)
    for _ in range(PRESSES - 1 if alipay else 0):
        if page.status == 200 or (page.status is not None and page.status < 500):
            break
        time.sleep(PAUSE_S)
        page = browser.get(url)   # the cashier did not load: the customer reloads it
    if page.status != 200:
        _gateway_page(result, page, "hosted_page")
        return None, None
    if not urlsplit(url).path.startswith(CHECKOUT_PAGE_PREFIXES):
        cashier = _ALIPAY_CASHIER.search(page.text or "")
        if cashier:   # Alipay's cashier (alipay.trade.page.pay / wap.pay): the customer pays as a buyer
            action = urljoin(url, cashier.group(1))
            if customer.action is Action.PAY_AGAIN_AFTER_CLOSE and result.step == "checkout" \
                    and CASHIER_LEFT not in result.sim:
                return _leave_cashier(driver, browser, merchant, alipay, action, result)
            return _pay_alipay(browser, merchant, payment, action, result)
        refused = _ALIPAY_RESULT.search(page.text or "") if alipay else None
        if refused:   # Alipay's error page for the shop's signed URL: no cashier, no way back
            shown = html.unescape(refused.group(1)).strip()
            if shown.startswith("ACQ.TRADE_HAS_CLOSE"):
                result.sim.append(CLOSED_TRADE_REOPENED)
            result.status, result.raw_status, result.message = "failed", "alipay_page_refused", shown_text(shown)
            return None, None
        # another gateway's hosted page (WeChat Pay's H5 page): a plain form the customer posts
        return _pay_form(browser, merchant, customer, payment, url, result)
    script = PageScript(driver, browser, url, customer, payment)
    if customer.action in (Action.LEAVE_PAGE, Action.PAY_LATE) and driver.target.flow == "redirect":
        return _leave(driver, browser, merchant, customer, script, result)
    wallet = None
    if customer.action in (Action.ASYNC_SETTLES, Action.ASYNC_FAILS):
        wallet = wallet_for(customer, [m for m in WALLETS if f"value={m}" in (page.text or "")])
        if wallet is None:
            result.raw_status = "wallet_not_offered"   # played as a card payment: nothing async happened
    for _ in range(PRESSES):
        step = script.press_pay(wallet)
        if step.kind != "unsure":
            break
        time.sleep(step.pause_s)
        page = browser.get(url)   # no answer the page could act on: the customer reloads it
        if page.status != 200 or "name=action value=pay" not in (page.text or ""):
            return _closed_page(browser, merchant, page, result)
    else:
        step = Step("declined", message=None)   # still nothing after pressing again: the customer gives up
    if step.kind == "declined":
        return _cancel(browser, merchant, url, page, step.message, result)
    intent = step.intent or {}
    if wallet is not None and intent.get("status") == "requires_action":
        return _wallet(driver, browser, merchant, customer, script, intent, wallet, result)
    action = intent.get("next_action") or {}
    challenge = (action.get("redirect_to_url") or {}).get("url") if intent.get("status") == "requires_action" else None
    if challenge:
        after = _challenge(browser, customer, challenge, result)
        if after is None:
            return None, None
    else:
        after = browser.get(script.return_url)   # the page goes on: success_url once the session is complete
    return _follow(browser, merchant, url, after, result)


def _pay_form(browser: Browser, merchant: str, customer: Customer, payment: Payment, url: str,
              result: CheckoutResult) -> tuple[Page | None, str | None]:
    """A hosted page that is a plain form (not Stripe Checkout's script): post it as a customer would,
    follow the redirects back to the merchant (a challenge on the way); the page again: cancel."""
    year = payment.exp_year % 100 if payment.exp_year >= 100 else payment.exp_year
    page = browser.post(url, {"action": "pay", "method": "card", "email": customer.email, "number": payment.number,
                              "expiry": f"{payment.exp_month:02d}/{year:02d}", "cvc": payment.cvc})
    for _ in range(MAX_HOPS):
        if page.location is None:
            break
        if origin(page.location) == merchant:
            return browser.get(page.location), None   # back at the merchant
        if urlsplit(page.location).path.startswith(CHALLENGE_PATHS):
            page = _challenge(browser, customer, page.location, result)
            if page is None:
                return None, None
        else:
            page = browser.get(page.location)
    if page.status is None or page.status >= 500 or page.location is not None:
        _gateway_page(result, page, "hosted_page")
        return None, None
    words = _ERROR.search(page.text or "")
    return _cancel(browser, merchant, url, page, html.unescape(words.group(1)) if words else None, result)


def _pay_alipay(browser: Browser, merchant: str, payment: Payment, action: str,
                result: CheckoutResult) -> tuple[Page | None, str | None]:
    """Alipay's cashier page: the customer pays as the buyer their token names (the fake's test buyers and
    amounts decide) and follows the signed redirect to the shop's return_url. A payment the page refuses,
    or answers with an error after the money moved, shows Alipay's words; the customer reads them and
    follows the page's link back to the shop (返回商家)."""
    page = browser.post(action, {"buyer": payment.token or "alipay_ok"})
    if page.location is not None and origin(page.location) == merchant:
        return browser.get(page.location), None
    if page.status is None or page.status >= 500 or page.location is not None:
        _gateway_page(result, page, "hosted_page")
        return None, None
    words = _ALIPAY_RESULT.search(page.text or "")
    shown = html.unescape(words.group(1)).strip() if words else None
    back = _BACK.search(page.text or "")
    if back and origin(html.unescape(back.group(1))) == merchant:
        return browser.get(html.unescape(back.group(1))), shown
    _gateway_page(result, page, "hosted_page_refused")
    result.status, result.message = "failed", shown_text(shown)
    return None, None


def _alipay_gateway(driver: Driver, url: str) -> str | None:
    """The own address of the run's Alipay gateway whose page this is (opened directly, or through the
    proxy listener in front of it, as a shop's gateway URL is); None for any other page."""
    seen = origin(url)
    for gateway, dialect in driver.gateway_dialects.items():
        if dialect == "alipay" and seen in (origin(gateway), origin(driver.routes.get(gateway) or "")):
            return gateway
    return None


def _leave_cashier(driver: Driver, browser: Browser, merchant: str, gateway: str | None, action: str,
                   result: CheckoutResult) -> tuple[Page | None, str | None]:
    """`pay_again_after_close`: the customer cancels on Alipay's cashier (取消) and follows its 返回商家 link
    to the shop (the trade's quit_url, else its return_url); then the trade's whole lifetime passes (the
    gateway's /_sim: a trade the shop did not close itself closes as timed out). The shop's answer on that
    page is what they are told."""
    page = browser.post(action, {"buyer": ""})
    words = _ALIPAY_RESULT.search(page.text or "")
    back = _BACK.search(page.text or "")
    if not back or origin(html.unescape(back.group(1))) != merchant:
        _gateway_page(result, page, "hosted_page")
        return None, None
    result.sim.append(CASHIER_LEFT)
    after = browser.get(html.unescape(back.group(1)))
    trade_no = urlsplit(action).path.rsplit("/", 1)[-1]
    answer = driver.sim_call(gateway, f"/_sim/alipay/trades/{trade_no}/timeout") if gateway else None
    if answer and answer.get("closed"):
        result.sim.append(TRADE_CLOSED)
    return after, html.unescape(words.group(1)).strip() if words else None


def _onward(driver: Driver, page: Page) -> str | None:
    """The shop's answer on its return page sends the customer on to another gateway's hosted page (a
    shop that switches to its backup gateway): that page's URL, else None."""
    if page.status is None or not 200 <= page.status < 300:
        return None
    url = page_url(driver, Answer(page.status, page.headers, page.json))
    gateways = {origin(g) for g in driver.gateway_dialects}
    return url if url is not None and origin(url) in gateways else None


def _challenge(browser: Browser, customer: Customer, url: str, result: CheckoutResult) -> Page | None:
    """A 3-D Secure challenge page: passed or failed as the customer's action says (the page after it);
    None when the customer abandons it."""
    browser.get(url)
    if customer.action is Action.THREE_DS_ABANDON:
        result.status, result.raw_status = "pending", "three_ds_abandoned"
        return None
    return browser.post(url, {"result": "fail" if customer.action is Action.THREE_DS_FAIL else "pass"})


def _follow(browser: Browser, merchant: str, url: str, page: Page, result: CheckoutResult) -> tuple[Page | None, str | None]:
    """Follow the gateway's redirects to the merchant; the page again with an error: the customer cancels."""
    for _ in range(MAX_HOPS):
        if page.location is None:
            break
        if origin(page.location) == merchant:
            return browser.get(page.location), None   # back at the merchant: success_url (or cancel_url)
        page = browser.get(page.location)
    if page.status is None or page.status >= 500 or page.location is not None:
        _gateway_page(result, page, "hosted_page")
        return None, None
    if page.status != 200 or "name=action value=pay" in (page.text or ""):
        words = _ERROR.search(page.text or "")
        return _cancel(browser, merchant, url, page, html.unescape(words.group(1)) if words else None, result)
    return _closed_page(browser, merchant, page, result)


def _closed_page(browser: Browser, merchant: str, page: Page, result: CheckoutResult) -> tuple[Page | None, str | None]:
    """A page that is no longer the pay form: already paid (another tab, a lost answer) or expired; its
    link leads back to the shop, whose answer is what the customer is told."""
    back = _BACK.search(page.text or "")
    if back and origin(html.unescape(back.group(1))) == merchant:
        shown = "This checkout session has expired." if page.status == 410 else None
        return browser.get(html.unescape(back.group(1))), shown
    if page.status == 200 and _ALREADY_PAID in (page.text or ""):
        result.status, result.raw_status = "paid", "hosted_page_complete"
        return None, None
    _gateway_page(result, page, "hosted_page")
    return None, None


def _cancel(browser: Browser, merchant: str, url: str, page: Page, message: str | None,
            result: CheckoutResult) -> tuple[Page | None, str | None]:
    """The page shows the gateway's words (a decline, a failed challenge): the customer presses Cancel."""
    cancel = browser.post(url, {"action": "cancel"})
    if cancel.location is None or origin(cancel.location) != merchant:
        _gateway_page(result, page, "hosted_page_refused")
        result.status, result.message = "failed", shown_text(message)
        return None, None
    return browser.get(cancel.location), message


def _leave(driver: Driver, browser: Browser, merchant: str, customer: Customer, script: PageScript,
           result: CheckoutResult) -> tuple[Page | None, str | None]:
    """The customer leaves the page unpaid; the session's time runs out (the gateway's /_sim, not the
    customer); `pay_late`: they come back, find the page expired and follow its link to the shop."""
    if driver.sim_call(script.gateway, f"/_sim/checkout_sessions/{script.session}/expire") is not None:
        result.sim.append("session_expired")
    if customer.action is Action.LEAVE_PAGE:
        result.status, result.raw_status = "pending", "left_page"   # gone: nothing they could be told
        return None, None
    return _closed_page(browser, merchant, browser.get(script.url), result)


def _wallet(driver: Driver, browser: Browser, merchant: str, customer: Customer, script: PageScript,
            intent: dict, wallet: str, result: CheckoutResult) -> tuple[Page | None, str | None]:
    """Alipay / WeChat Pay: the customer approves in the wallet and is sent back (the session completes
    unpaid); the shop's answer is read, then its order, and only then does the money settle or fail."""
    back, shown = _follow(browser, merchant, script.url, browser.get(script.return_url), result)
    if back is not None:
        _back_at_merchant(driver, customer, result, back, shown)
    settle_async(driver, customer, result, script.gateway, intent["id"])
    return None, None


def _back_at_merchant(driver: Driver, customer: Customer, result: CheckoutResult, page: Page,
                      shown: str | None) -> None:
    """The merchant's answer on success_url or cancel_url, read as a checkout answer."""
    if page.status is None:
        result.error = page.error
        result.status = None
        return
    result.http_status = page.status
    result.pan_leaks += count_pans(page.text)
    result.body = mask_text(page.text)[:BODY_LIMIT]
    driver.read_answer(result, customer, Answer(page.status, page.headers, page.json))
    if shown and result.status != "paid":   # the customer read the hosted page's words, then the merchant's
        result.message = shown_text(f"{shown} {result.message or ''}".strip())


def _gateway_page(result: CheckoutResult, page: Page, what: str) -> None:
    result.status = "failed" if page.status and 400 <= page.status < 500 else "pending"
    result.raw_status = f"{what}_{page.error or page.status}"

