"""Flow `client_secret`: the merchant creates a PaymentIntent and answers its client secret; the
customer's browser confirms it as stripe.js does (docs/flows/client-secret.md).

1. The merchant's answer is read as usual; a client secret in it (`checkout.outcome.client_secret`,
   default `$.clientSecret` or `$.client_secret`) means "carry on": that answer alone is pending, not
   failed. No client secret: the merchant's answer is the outcome (a refusal, an outage).
2. `POST {gateway_url}/v1/payment_intents/{id}/confirm` with `key` (the target's publishable key),
   `client_secret`, `return_url` and the card: `payment_method` (the test token) or
   `payment_method_data[card][...]` (raw card actions). The return_url is the merchant's address with
   `/_paychaos/return` (never opened: step 4 reads the intent), which marks the call as the
   browser's in the journal (`call_kinds.browser_call`). Through the proxy's primary listener, so the
   scenario's faults apply to this leg too.
3. `requires_action`: the browser opens the 3-D Secure page of `next_action` and passes it, fails it
   (action `three_ds_fail`) or leaves it (action `three_ds_abandon`).
4. No readable answer (lost, 5xx, 429): the page retrieves the PaymentIntent once with its client
   secret (`GET /v1/payment_intents/{id}?key=...&client_secret=...`); still nothing: pending.
5. What the page shows is the customer's status: paid (`succeeded`, `requires_capture`), failed (the
   gateway's error message), pending (`processing`, unanswered, 3-D Secure left open). Then the
   merchant's order is read a few times, giving its webhook a moment to land.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from paychaos.common.call_kinds import BROWSER_RETURN_PATH
from paychaos.driver.browser import LeftLoopback, Page, origin
from paychaos.driver.page_script import WALLETS, settle_async, wallet_for
from paychaos.merchant_request import shown_text
from paychaos.observations import CheckoutResult
from paychaos.scenario.model import Action
from paychaos.target import CLIENT_SECRET_PATHS, Answer, extract

if TYPE_CHECKING:
    from paychaos.driver.browser import Browser
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment

SECRET = re.compile(r"^((?:pi)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$")
PAID = ("succeeded", "requires_capture")
UNSURE = (409, 429)


def secret_in(driver: Driver, answer: Answer) -> str | None:
    paths = (driver.target.outcome.client_secret,) if driver.target.outcome.client_secret else CLIENT_SECRET_PATHS
    for path in paths:
        value = extract(answer.body, path)
        if isinstance(value, str) and SECRET.match(value):
            return value
    return None


def finish(driver: Driver, customer: Customer, payment: Payment, result: CheckoutResult, answer: Answer,
           browser: Browser) -> None:
    driver.read_answer(result, customer, answer)
    secret = secret_in(driver, answer)
    if secret is None:
        return  # the merchant's own answer (a refusal, an error page) is the outcome
    result.status, result.raw_status = "pending", "client_secret"   # "a client secret came back": carry on
    intent_id = SECRET.match(secret).group(1)
    gateway = str(driver.run_values.get("gateway_url") or "").rstrip("/")
    key = driver.target.publishable_key
    wallet = None
    if customer.action in (Action.ASYNC_SETTLES, Action.ASYNC_FAILS):
        wallet = wallet_for(customer, [m for m in WALLETS if m in (result.alternatives or [])])
    try:
        page = browser.post(f"{gateway}/v1/payment_intents/{intent_id}/confirm",
                            confirm_fields(payment, key, secret, driver.base_url + BROWSER_RETURN_PATH, wallet))
        intent = _intent(page)
        if intent is None and (_unsure(page) or _error_code(page) == "payment_intent_unexpected_state"):
            intent = _intent(browser.get(f"{gateway}/v1/payment_intents/{intent_id}?key={key}&client_secret={secret}"))
        if intent is not None and intent.get("status") == "requires_action" and wallet is None:
            intent = _three_ds(browser, customer, intent, gateway, key, secret)
        _show(result, page, intent, customer)
    except LeftLoopback as exc:
        result.status, result.raw_status, result.message = "pending", "left_loopback", str(exc)
        intent = None
    if result.elapsed_s is not None:
        result.elapsed_s += browser.elapsed_s
    if wallet is not None and intent is not None and intent.get("status") == "requires_action":
        # the customer approved in the wallet and is back on the page; the money settles (or not) later
        result.raw_status = "awaiting_wallet"   # the page shows the payment in progress; the shop is not asked
        settle_async(driver, customer, result, _gateway_of(intent) or gateway, intent_id)
    elif result.status == "paid":   # its webhook is on the way: the order should follow
        driver.wait_for_order(customer, result.merchant_order_id)


def confirm_fields(payment: Payment, key: str, secret: str, return_url: str, wallet: str | None = None) -> dict:
    """The form stripe.js's confirmCardPayment (confirmAlipayPayment, confirmWechatPayPayment) sends
    (its tracking fields left out)."""
    fields = {"key": key, "client_secret": secret, "return_url": return_url,
              "expected_payment_method_type": wallet or "card"}
    if wallet:
        fields["payment_method_data[type]"] = wallet
    elif payment.token:
        fields["payment_method"] = payment.token
    else:
        fields.update({"payment_method_data[type]": "card", "payment_method_data[card][number]": payment.number,
                       "payment_method_data[card][exp_month]": str(payment.exp_month),
                       "payment_method_data[card][exp_year]": str(payment.exp_year),
                       "payment_method_data[card][cvc]": payment.cvc})
    return fields


def _gateway_of(intent: dict) -> str | None:
    """The gateway's own origin, from the wallet page it names in next_action (the /_sim control goes there)."""
    action = intent.get("next_action") or {}
    for kind, field in (("alipay_handle_redirect", "url"), ("wechat_pay_display_qr_code", "hosted_instructions_url")):
        url = (action.get(kind) or {}).get(field)
        if isinstance(url, str) and url.startswith("http"):
            return origin(url)
    return None


def _intent(page: Page) -> dict | None:
    body = page.json
    if isinstance(body, dict) and body.get("object") == "payment_intent" and page.status == 200:
        return body
    return None


def _error_code(page: Page) -> str | None:
    """The code of a gateway error answer (a second tab's confirm of a paid intent: unexpected state)."""
    error = page.json.get("error") if isinstance(page.json, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def _unsure(page: Page) -> bool:
    """No answer the page can act on: nothing came, a server error, a conflict or rate limit, or not JSON."""
    return page.status is None or page.status >= 500 or page.status in UNSURE or not isinstance(page.json, dict)


def _three_ds(browser: Browser, customer: Customer, intent: dict, gateway: str, key: str, secret: str) -> dict:
    """The customer on the 3-D Secure page: passes, fails, or leaves it (the intent as it is then)."""
    action = intent.get("next_action") or {}
    url = ((action.get("redirect_to_url") or {}).get("url")
           or (action.get("use_stripe_sdk") or {}).get("stripe_js"))
    if not url:
        return intent
    browser.get(url)
    if customer.action is Action.THREE_DS_ABANDON:
        return intent
    browser.post(url, {"result": "fail" if customer.action is Action.THREE_DS_FAIL else "pass"})
    after = _intent(browser.get(f"{gateway}/v1/payment_intents/{intent['id']}?key={key}&client_secret={secret}"))
    return after or intent


def _show(result: CheckoutResult, page: Page, intent: dict | None, customer: Customer) -> None:
    """What the page shows after confirm: the customer's status and message."""
    if intent is None:
        error = (page.json or {}).get("error") if isinstance(page.json, dict) else None
        if isinstance(error, dict) and page.status is not None and 400 <= page.status < 500 and not _unsure(page):
            result.status, result.raw_status = "failed", str(error.get("code") or error.get("type") or page.status)
            result.message = shown_text(error.get("message"))
        else:
            result.status, result.raw_status = "pending", f"confirm_{page.error or page.status}"
        return
    status = intent.get("status")
    result.raw_status = str(status)
    if status in PAID:
        result.status, result.message = "paid", None
    elif status in ("processing", "requires_action", "requires_confirmation"):
        result.status = "pending"
        if status == "requires_action" and customer.action is Action.THREE_DS_ABANDON:
            result.raw_status = "three_ds_abandoned"
    else:
        result.status = "failed"
        error = intent.get("last_payment_error") or {}
        result.message = shown_text(error.get("message")) if isinstance(error, dict) else None
