"""Flow `redirect`: the merchant creates a Checkout Session and sends the customer to its hosted page
(docs/flows/redirect.md).

1. The page's URL comes from the merchant's answer: `checkout.outcome.redirect_url` (a JSON path or
   header.NAME), else the `Location` of a 3xx, else `$.url`. None: the merchant's answer is the outcome.
2. The browser opens the page and pays it like a customer (the form's email, card number, MM/YY
   expiry, CVC: the customer's test card, or the broken one of a raw-card action), through the proxy.
3. A 3-D Secure challenge is passed, failed (`three_ds_fail`) or left (`three_ds_abandon`: the
   customer is gone and never hears back; pending, with the challenge page as the last thing seen).
4. A refused card or a failed challenge shows the page again with the gateway's message; the customer
   presses Cancel and follows it to the merchant's cancel_url.
5. The redirect back (success_url or cancel_url, loopback only) is followed, and the merchant's answer
   there is read with the target's `checkout.outcome`, as a checkout answer is: what the customer is
   told. Then the merchant's order is read a few times, giving its webhook a moment to land.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from paychaos.common.masking import count_pans, mask_text
from paychaos.driver.browser import LeftLoopback, Page, origin
from paychaos.merchant_request import shown_text
from paychaos.observations import CheckoutResult
from paychaos.scenario.model import Action
from paychaos.target import Answer, read_field

if TYPE_CHECKING:
    from paychaos.driver.browser import Browser
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment

MAX_HOPS = 8
BODY_LIMIT = 2000
_ALREADY_PAID = "This checkout session is complete."   # what the hosted page says once it is paid
_ERROR = re.compile(r"<p class=error[^>]*>(.*?)</p>", re.S)


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
    try:
        back, shown = _pay(browser, origin(driver.base_url), customer, payment, url, result)
        if back is not None:
            _back_at_merchant(driver, customer, result, back, shown)
    except LeftLoopback as exc:
        result.status, result.raw_status, result.message = "pending", "left_loopback", str(exc)
    if result.elapsed_s is not None:
        result.elapsed_s += browser.elapsed_s
    if result.status == "paid":   # its webhook is on the way: the order should follow
        driver.wait_for_order(customer, result.merchant_order_id)


def _pay(browser: Browser, merchant: str, customer: Customer, payment: Payment, url: str,
         result: CheckoutResult) -> tuple[Page | None, str | None]:
    """Pay the hosted page: the merchant's answer the browser ends on (None: the customer never got back)
    and the hosted page's last error message (a decline), if any."""
    page = browser.get(url)
    if page.status != 200:
        _gateway_page(result, page, "hosted_page")
        return None, None
    year = payment.exp_year % 100 if payment.exp_year >= 100 else payment.exp_year
    page = browser.post(url, {"action": "pay", "method": "card", "email": customer.email, "number": payment.number,
                              "expiry": f"{payment.exp_month:02d}/{year:02d}", "cvc": payment.cvc})
    for _ in range(MAX_HOPS):
        if page.location is None:
            break
        if origin(page.location) == merchant:
            return browser.get(page.location), None   # back at the merchant: success_url (or cancel_url)
        if "/_3ds/" in urlsplit(page.location).path:
            challenge = page.location
            browser.get(challenge)
            if customer.action is Action.THREE_DS_ABANDON:
                result.status, result.raw_status = "pending", "three_ds_abandoned"
                return None, None
            page = browser.post(challenge, {"result": "fail" if customer.action is Action.THREE_DS_FAIL else "pass"})
        else:
            page = browser.get(page.location)
    if page.status is None or page.status >= 500 or page.location is not None:
        _gateway_page(result, page, "hosted_page")
        return None, None
    words = _ERROR.search(page.text or "")
    if page.status == 200 and words is None and _ALREADY_PAID in (page.text or ""):
        result.status, result.raw_status = "paid", "hosted_page_complete"   # another tab paid this session
        return None, None
    # the page again, with the gateway's words (a decline, a failed challenge): the customer cancels
    message = html.unescape(words.group(1)) if words else None
    cancel = browser.post(url, {"action": "cancel"})
    if cancel.location is None or origin(cancel.location) != merchant:
        _gateway_page(result, page, "hosted_page_refused")
        result.status, result.message = "failed", shown_text(message)
        return None, None
    return browser.get(cancel.location), message


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

