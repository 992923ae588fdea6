"""What the hosted Checkout page's script sends when the customer presses Pay, and what the simulation
does away from the page (docs/flows/redirect.md).

Stripe Checkout's page makes the PaymentMethod from the form (`POST /v1/payment_methods` with the
publishable key), then confirms the session with it (`POST /v1/payment_pages/{cs}/confirm`). The driver
sends the same two calls, through the proxy: they are API calls, so a scenario's `kind: payment` faults
reach the hosted page's payment as they reach a server's or stripe.js's confirm.

Alipay and WeChat Pay (actions `async_settles`, `async_fails`): the customer is back before the money
moves; the driver reads the merchant's order then, and only then has the gateway settle or fail the
payment (`/_sim/payment_intents/{id}/complete` or `/fail`, the wallet's part, not the customer's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from paychaos.common.stripe_hosts import API_HOST, CHECKOUT_HOST
from paychaos.driver.browser import origin
from paychaos.scenario.model import Action

if TYPE_CHECKING:
    from paychaos.driver.browser import Browser
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment
    from paychaos.observations import CheckoutResult

WALLETS = ("alipay", "wechat_pay")   # the async methods, in the order a customer is handed them
PRESSES = 3                          # no answer the page can act on: the customer reloads and presses Pay again
PAUSE_S = 0.5                        # ... after this long, or the gateway's Retry-After (at most MAX_PAUSE_S)
MAX_PAUSE_S = 2.0
BEFORE_SETTLED_WAITS_S = (0.2, 0.4, 0.8)   # reads of the order while the money is not there yet


@dataclass
class Step:
    """What pressing Pay led to: `done` (the session's answer, with its intent), `declined` (the page
    shows the gateway's words), `unsure` (no answer the page can act on: lost, 5xx, 409, 429, not JSON,
    or the session is no longer open; `pause_s`: how long the customer waits before pressing again)."""

    kind: str
    intent: dict | None = None
    message: str | None = None
    pause_s: float = PAUSE_S


def wallet_for(customer: Customer, offered: list[str]) -> str | None:
    """The async method this customer picks among those offered: by turns, from the scenario's seed."""
    return offered[customer.index % len(offered)] if offered else None


class PageScript:
    def __init__(self, driver: Driver, browser: Browser, url: str, customer: Customer, payment: Payment):
        self.browser, self.customer, self.payment = browser, customer, payment
        self.url = url
        self.gateway = origin(url)                     # the gateway names itself in the page's URL
        path = urlsplit(url).path.rstrip("/")
        self.session = path.rsplit("/", 1)[-1]
        self.return_url = f"{self.gateway}{path}/return"   # on to success_url once complete
        # the page's calls go to the API: the gateway itself, or api.stripe.com when the page is
        # checkout.stripe.com's (forward mode), as Stripe Checkout's script calls it
        self.api = f"https://{API_HOST}" if urlsplit(url).hostname == CHECKOUT_HOST else self.gateway
        self.key = driver.target.publishable_key
        self._pm: str | None = None

    def press_pay(self, wallet: str | None = None) -> Step:
        if self._pm is None:
            page = self.browser.post(f"{self.api}/v1/payment_methods", self._method_fields(wallet))
            body = page.json if isinstance(page.json, dict) else {}
            if page.status != 200 or body.get("object") != "payment_method":
                return _refusal(page)
            self._pm = str(body.get("id"))
        page = self.browser.post(f"{self.api}/v1/payment_pages/{self.session}/confirm", {
            "key": self.key, "payment_method": self._pm, "email": self.customer.email,
            "expected_payment_method_type": wallet or "card"})
        body = page.json if isinstance(page.json, dict) else {}
        if page.status == 200 and body.get("object") == "checkout.session":
            intent = body.get("payment_intent") or body.get("setup_intent")
            return Step("done", intent=intent if isinstance(intent, dict) else None)
        return _refusal(page)

    def _method_fields(self, wallet: str | None) -> dict:
        fields = {"key": self.key, "billing_details[email]": self.customer.email}
        if wallet:
            return {**fields, "type": wallet}
        payment = self.payment
        return {**fields, "type": "card", "card[number]": payment.number, "card[exp_month]": str(payment.exp_month),
                "card[exp_year]": str(payment.exp_year), "card[cvc]": payment.cvc}


def _refusal(page) -> Step:
    error = page.json.get("error") if isinstance(page.json, dict) else None
    if page.status == 402 and isinstance(error, dict):   # a card error: the page shows the gateway's words
        return Step("declined", message=error.get("message"))
    try:
        pause = min(float((page.headers or {}).get("Retry-After") or PAUSE_S), MAX_PAUSE_S)
    except ValueError:
        pause = PAUSE_S
    return Step("unsure", pause_s=max(pause, 0.0))


def settle_async(driver: Driver, customer: Customer, result: CheckoutResult, gateway: str, intent_id: str) -> None:
    """The customer is back; read the merchant's order while the money is not there yet (stop early once
    it reads paid or fulfilled: that is the evidence), then settle or fail the payment and give the
    merchant's webhook a moment."""
    if driver.target.order_status is not None:
        for state in driver.order_reads(customer, result.merchant_order_id, BEFORE_SETTLED_WAITS_S):
            result.order_before_settled = state
            if state.get("status") == "paid" or int(state.get("fulfilled") or 0) > 0:
                break
    ok = customer.action is Action.ASYNC_SETTLES
    if driver.sim_call(gateway, f"/_sim/payment_intents/{intent_id}/{'complete' if ok else 'fail'}") is None:
        return
    result.sim.append("payment_settled" if ok else "payment_failed")
    driver.wait_for_order(customer, result.merchant_order_id)
