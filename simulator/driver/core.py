"""The Driver: customers check out through the merchant, as the target file says, and every
customer-facing request becomes one `CheckoutResult`.

Requests to the merchant are built by `paychaos.merchant_request` (the same builder the Locust users
use) and redirects are never followed: a 303 is the merchant's answer. What happens after the
merchant's answer depends on the target's `checkout.flow`: the merchant confirmed the payment itself
(`server`), or the customer's browser takes part (`client_secret`, `redirect`); each flow is one
module of this package. Raw card numbers leave this package only masked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import requests

from paychaos.common.masking import count_pans, mask_text
from paychaos.driver import client_secret, page, qr, redirect, server
from paychaos.driver.browser import Browser
from paychaos.driver.customers import Customer, Payment, payment_for
from paychaos.merchant_request import build, kept_headers, read_outcome, shown_text
from paychaos.observations import CheckoutResult
from paychaos.scenario.model import ACTION_FLOWS, Action, Scenario
from paychaos.target import MERCHANT_ORDER_ID, Answer, Call, Target, extract

THREE_DS_FAILED = "payment_intent_authentication_failure"   # the gateway's code for a failed challenge
ASYNC_FAILED = "payment_intent_payment_attempt_failed"       # ... for an Alipay / WeChat Pay payment that failed
FLOWS = {"server": server, "client_secret": client_secret, "redirect": redirect, "browser": page, "qr": qr}
BODY_LIMIT = 2000
CONNECT_TIMEOUT_S = 5.0


class Driver:
    """Drives one scenario's customers through one merchant."""

    def __init__(self, target: Target, base_url: str, run_values: dict,
                 on_result: Callable[[CheckoutResult], None] | None = None,
                 routes: dict[str, str] | None = None,
                 sim: Callable[[str, str], dict | None] | None = None,
                 gateway_dialects: dict[str, str] | None = None):
        """routes: each gateway's own origin -> the proxy listener in front of it (the browser's pages
        go through the proxy; docs/flows/). sim: `sim(gateway origin, "/_sim/...")` posts a control call
        to that gateway (the runner's, with its token) and returns its answer, None when it failed: the
        passing of time and a wallet's settlement, which no customer does. gateway_dialects: each
        gateway's own origin -> the API it speaks (flow qr: which gateway a WeChat Pay code_url opens)."""
        self.target = target
        self.routes = dict(routes or {})
        self.gateway_dialects = dict(gateway_dialects or {})
        self._sim = sim
        self.base_url = base_url.rstrip("/")
        self.run_values = run_values
        self.on_result = on_result
        self._lock = threading.Lock()
        self._merchant_ids: dict[str, str] = {}  # our order id -> the id the merchant minted for it

    def drive(self, scenario: Scenario, customers: list[Customer]) -> list[CheckoutResult]:
        timeout_s = scenario.customers.timeout_s
        with ThreadPoolExecutor(max_workers=scenario.customers.concurrency,
                                thread_name_prefix="customer") as pool:
            per_customer = list(pool.map(lambda c: self.serve(c, timeout_s), customers))
        return [r for results in per_customer for r in results]

    def serve(self, customer: Customer, timeout_s: float) -> list[CheckoutResult]:
        payment = self.expected_in_flow(customer, payment_for(customer))
        if customer.action is Action.DOUBLE_SUBMIT:
            return self._double_submit(customer, payment, timeout_s)
        first = self.checkout(customer, payment, timeout_s)
        if customer.action is Action.PAY_AGAIN_AFTER_CLOSE:
            if redirect.TRADE_CLOSED not in first.sim:
                return [first]   # nothing closed (not Alipay's cashier, or the trade would not close)
            # the customer comes back and pays the same order again: now it is paid
            return [first, self.checkout(customer, replace(payment, expected="paid"), timeout_s, step="checkout#2")]
        if customer.action is not Action.CANCEL_AFTER_PAY:
            return [first]
        return [first, self.cancel(customer, payment, timeout_s, paid=first.status == "paid",
                                   merchant_order_id=first.merchant_order_id)]

    def sim_call(self, gateway: str, path: str) -> dict | None:
        if self._sim is None:
            return None
        try:
            return self._sim(gateway, path)
        except Exception:  # noqa: BLE001 - a control call that failed is one the customer's story lacks
            return None

    def expected_in_flow(self, customer: Customer, payment: Payment) -> Payment:
        """Where the browser answers 3-D Secure, a challenging card ends as the customer answered it:
        paid when passed, declined when failed, still requiring action when left (docs/flows/). The
        page's actions end as they are played: expired, or the wallet's settlement."""
        if self.target.flow in ACTION_FLOWS.get(customer.action, ()):
            if customer.action in (Action.LEAVE_PAGE, Action.PAY_LATE, Action.QR_WALK_AWAY, Action.QR_PAY_LATE,
                                   Action.PAY_AGAIN_AFTER_CLOSE):
                return replace(payment, expected="expired")   # pay_again_after_close: its second try "paid"
            if customer.action is Action.ASYNC_FAILS:
                return replace(payment, expected="declined:" + ASYNC_FAILED)
            return replace(payment, expected="paid")
        if self.target.flow == "server" or payment.expected != "requires_action":
            return payment
        if customer.action is Action.THREE_DS_FAIL:
            return replace(payment, expected="declined:" + THREE_DS_FAILED)
        if customer.action is Action.THREE_DS_ABANDON:
            return payment
        return replace(payment, expected="paid")

    def _double_submit(self, customer: Customer, payment: Payment, timeout_s: float) -> list[CheckoutResult]:
        both_ready = threading.Barrier(2)
        results: list[CheckoutResult | None] = [None, None]

        def click(slot: int) -> None:
            both_ready.wait(timeout=5)
            results[slot] = self.checkout(customer, payment, timeout_s,
                                          step="checkout" if slot == 0 else "checkout#2")

        second = threading.Thread(target=click, args=(1,), name="double-submit")
        second.start()
        click(0)
        second.join()
        return [r for r in results if r is not None]

    def values(self, customer: Customer, payment: Payment) -> dict:
        return {
            **self.run_values,
            "order.id": customer.order_id, "order.amount": customer.amount, "order.currency": customer.currency,
            "payment.token": payment.token,
            "card.number": payment.number, "card.exp_month": payment.exp_month,
            "card.exp_year": payment.exp_year, "card.cvc": payment.cvc,
            "customer.name": customer.name, "customer.email": customer.email,
            "customer.phone": customer.phone, "customer.locale": customer.locale,
        }

    def checkout(self, customer: Customer, payment: Payment, timeout_s: float,
                 step: str = "checkout") -> CheckoutResult:
        result = self.new_result(customer, payment, step, payment.expected)
        if self.target.flow == "browser":   # a real browser on the merchant's own page (docs/browser.md)
            page.checkout(self, customer, payment, result, timeout_s)
            return self._done(result)
        answer = self._request(result, self.target.checkout, self.values(customer, payment), timeout_s, "checkout")
        if answer is not None:
            self.after_answer(customer, payment, result, answer, timeout_s)
        return self._done(result)

    def after_answer(self, customer: Customer, payment: Payment, result: CheckoutResult, answer: Answer,
                     timeout_s: float) -> None:
        """The customer's part after the merchant's checkout answer, as the target's flow says: read it
        (`server`), or confirm it in the browser with 3-D Secure (`client_secret`), or pay the hosted page
        and follow the way back (`redirect`). result then holds what the customer ends up with, its
        elapsed_s the whole wait. `paychaos load`'s Locust users call this too (paychaos.load.flows)."""
        browser = Browser(self.routes, timeout_s, forward=self.run_values.get("proxy_url"),
                          ca_cert=self.run_values.get("ca_cert"))
        try:
            FLOWS[self.target.flow].finish(self, customer, payment, result, answer, browser)
        finally:
            browser.close()

    def forget(self, order_id: str) -> None:
        """Drop what this driver remembers of an order (a load run's drivers live for the whole run)."""
        with self._lock:
            self._merchant_ids.pop(order_id, None)

    def read_answer(self, result: CheckoutResult, customer: Customer, answer: Answer) -> None:
        """Fill result from a merchant's answer as the target's outcome reads it."""
        reading = read_outcome(self.target.outcome, answer)
        result.status, result.raw_status = reading.status, reading.raw_status
        result.message, result.alternatives = reading.message, reading.alternatives
        result.headers = {**result.headers, **reading.headers}
        if reading.order_id is not None:
            result.merchant_order_id = reading.order_id
            with self._lock:
                self._merchant_ids.setdefault(customer.order_id, reading.order_id)

    def wait_for_order(self, customer: Customer, merchant_order_id: str | None,
                       waits_s: tuple[float, ...] = (0.2, 0.4, 0.8, 1.6)) -> dict:
        """After the browser's part: give the merchant's webhook a moment to land, reading the order's
        state until it is no longer pending (four reads, about 3 s at most). The last answer read."""
        state: dict = {}
        for state in self.order_reads(customer, merchant_order_id, waits_s):
            if state.get("status") not in (None, "pending"):
                break
        return state

    def order_reads(self, customer: Customer, merchant_order_id: str | None, waits_s: tuple[float, ...]):
        """The order's state, read after each wait (nothing without an order_status call)."""
        if self.target.order_status is None:
            return
        for wait in waits_s:
            time.sleep(wait)
            yield self.order_status(customer.order_id, merchant_order_id=merchant_order_id)

    def cancel(self, customer: Customer, payment: Payment, timeout_s: float, *, paid: bool,
               merchant_order_id: str | None = None) -> CheckoutResult:
        """The customer cancels; the answer's status is read like an order-status answer."""
        result = self.new_result(customer, payment, "cancel", "refunded" if paid else "canceled")
        values = {**self.values(customer, payment), MERCHANT_ORDER_ID: merchant_order_id}
        result.merchant_order_id = merchant_order_id
        if self._needs_merchant_id(self.target.cancel) and merchant_order_id is None:
            result.error = "no_merchant_order_id"
            return self._done(result)
        answer = self._request(result, self.target.cancel, values, timeout_s, "cancel")
        if answer is not None:
            state = self.target.order_state
            raw = extract(answer.body, state.status)
            result.raw_status = None if raw is None else str(raw)
            result.status = state.canonical(raw)
            result.headers = kept_headers(answer.headers)
            message = extract(answer.body, "$.message")
            result.message = shown_text(message)
        return self._done(result)

    def order_status(self, order_id: str, timeout_s: float = 10.0, merchant_order_id: str | None = None) -> dict:
        """The merchant's order-status answer: `status` the canonical word (paid | pending | failed |
        canceled | refunded, or the merchant's word when no list names it), `raw_status` the merchant's
        own, `fulfilled` the counter when the target names its path, `http_status`."""
        call = self.target.order_status
        merchant_order_id = merchant_order_id or self._merchant_ids.get(order_id)
        if self._needs_merchant_id(call) and merchant_order_id is None:
            return {"status": None, "error": "no_merchant_order_id"}
        values = {**self.run_values, "order.id": order_id, MERCHANT_ORDER_ID: merchant_order_id}
        req = build(call, values, file=self.target.path, section="order_status")
        try:
            resp = requests.request(req.method, self.base_url + req.path, data=req.body, headers=req.headers,
                                    timeout=(CONNECT_TIMEOUT_S, timeout_s), allow_redirects=False)
        except requests.RequestException as exc:
            return {"status": None, "error": _transport_error(exc)}
        try:
            body = resp.json()
        except ValueError:
            return {"status": None, "http_status": resp.status_code, "body": mask_text(resp.text)[:BODY_LIMIT]}
        state = self.target.order_state
        answer = dict(body) if isinstance(body, dict) else {"body": body}
        raw = extract(body, state.status)
        answer["status"] = state.canonical(raw)
        answer["raw_status"] = None if raw is None else str(raw)
        if state.fulfilled is not None:
            answer.pop("fulfilled", None)
            count = state.counter(body)
            if count is not None:
                answer["fulfilled"] = count
        answer["http_status"] = resp.status_code
        return answer

    def merchant_order_id(self, order_id: str) -> str | None:
        """The id the merchant minted for this order in a checkout this driver made (None: none seen)."""
        return self._merchant_ids.get(order_id)

    # -- plumbing --------------------------------------------------------------------------------

    def _needs_merchant_id(self, call: Call | None) -> bool:
        return call is not None and "{" + MERCHANT_ORDER_ID + "}" in call.path

    def new_result(self, customer: Customer, payment: Payment, step: str, expected: str) -> CheckoutResult:
        return CheckoutResult(
            order_id=customer.order_id, action=str(customer.action), step=step, amount=customer.amount,
            currency=customer.currency, payment=payment.shown(), expected=expected, locale=customer.locale,
            email=customer.email,
        )

    def _request(self, result: CheckoutResult, call: Call, values: dict, timeout_s: float,
                 section: str) -> Answer | None:
        """Send the call (redirects not followed); fill the transport fields of result; return the answer
        (None when there was none)."""
        req = build(call, values, file=self.target.path, section=section)
        result.started_at = time.time()
        t0 = time.perf_counter()
        try:
            resp = requests.request(req.method, self.base_url + req.path, data=req.body, headers=req.headers,
                                    timeout=(CONNECT_TIMEOUT_S, timeout_s), allow_redirects=False)
        except requests.RequestException as exc:
            result.elapsed_s = time.perf_counter() - t0
            result.error = _transport_error(exc)
            return None
        result.elapsed_s = time.perf_counter() - t0
        result.http_status = resp.status_code
        result.pan_leaks = count_pans(resp.text)
        result.body = mask_text(resp.text)[:BODY_LIMIT]
        try:
            body = resp.json()
        except ValueError:
            body = None
        return Answer(resp.status_code, resp.headers, body)

    def _done(self, result: CheckoutResult) -> CheckoutResult:
        if self.on_result:
            with self._lock:
                self.on_result(result)
        return result


def _transport_error(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection"
    return type(exc).__name__
