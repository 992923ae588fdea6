"""The driver: faker customers check out through the merchant, as the target file says, and every
customer-facing request becomes one `CheckoutResult`.

Customers are planned from the scenario seed (same seed, same customers, cards and amounts), in the
languages the shop serves. Each order gets its own amount, so a ledger payment can be tied to its order
even when the merchant puts no metadata on it. Requests are built by `simulator.merchant_request` (the
same builder the Locust users use) and redirects are never followed: a 303 is the merchant's answer.
Raw card numbers leave this module only masked.
"""

from __future__ import annotations

import datetime
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from faker import Faker

from simulator.common.masking import count_pans, mask_pan, mask_text
from simulator.merchant_request import build, kept_headers, read_outcome, shown_text
from simulator.observations import CheckoutResult
from simulator.scenario.cards import TEST_CARDS, break_luhn
from simulator.scenario.model import Action, Scenario
from simulator.target import MERCHANT_ORDER_ID, Answer, Call, Target, extract, language_of

BODY_LIMIT = 2000
CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Customer:
    index: int
    order_id: str
    amount: int
    currency: str
    locale: str
    name: str
    email: str
    phone: str
    token: str          # the test PaymentMethod this customer's card stands for
    action: Action


@dataclass(frozen=True)
class Payment:
    """What one request pays with: a token, or a raw card (a typo, a past expiry, a bad CVC)."""

    token: str | None
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    expected: str

    def shown(self) -> str:
        return self.token or mask_pan(self.number)


def allocate(shares: dict[str, float], count: int) -> list[str]:
    """`count` names in proportion to their shares (largest remainder), in share order."""
    exact = {name: share * count for name, share in shares.items()}
    counts = {name: int(v) for name, v in exact.items()}
    by_remainder = sorted(exact, key=lambda n: exact[n] - counts[n], reverse=True)
    for name in by_remainder[: count - sum(counts.values())]:
        counts[name] += 1
    return [name for name in shares for _ in range(counts[name])]


FALLBACK_LOCALE = "en_US"


def served_locales(shares: dict[str, float], languages: tuple[str, ...] | None) -> dict[str, float]:
    """The scenario's locale shares, kept only for the languages the shop serves; the others' shares go
    to the served ones in proportion. None serves every language; none served -> en_US alone."""
    if languages is None:
        return shares
    kept = {loc: share for loc, share in shares.items() if language_of(loc) in languages}
    if len(kept) == len(shares):
        return shares
    total = sum(kept.values())
    if not kept or total <= 0:
        return {FALLBACK_LOCALE: 1.0}
    return {loc: share / total for loc, share in kept.items()}


def plan_customers(scenario: Scenario, run_tag: str, languages: tuple[str, ...] | None = None) -> list[Customer]:
    """The scenario's customers, the same for the same seed (order ids carry the run's tag), drawn from
    the locales whose language the shop serves (`Target.shop.languages`; None: all of them)."""
    spec = scenario.customers
    rng = random.Random(scenario.seed)
    shares = served_locales(spec.locales, languages)
    locales = allocate(shares, spec.count)
    tokens = allocate(spec.cards, spec.count)
    rng.shuffle(locales)
    rng.shuffle(tokens)
    amounts = rng.sample(range(spec.amount_min, spec.amount_max + 1), spec.count)
    fakers = {}
    for loc in shares:
        fakers[loc] = Faker(loc)
        fakers[loc].seed_instance(scenario.seed)
    customers = []
    for i in range(spec.count):
        fake = fakers[locales[i]]
        customers.append(Customer(
            index=i,
            order_id=f"{scenario.name[:32]}-{run_tag}-{i + 1:03d}",
            amount=amounts[i],
            currency=spec.currency,
            locale=locales[i],
            name=fake.name(),
            email=fake.email(),
            phone=fake.phone_number(),
            token=tokens[i],
            action=scenario.actions[i % len(scenario.actions)],
        ))
    return customers


def payment_for(customer: Customer, today: datetime.date | None = None) -> Payment:
    """The card the customer pays with, and what they should end up with, given their action."""
    today = today or datetime.date.today()
    card = TEST_CARDS[customer.token]
    cvc = "1234" if len(card.number) == 15 else "123"
    if customer.action is Action.TYPO_CARD:
        return Payment(None, break_luhn(card.number), 12, today.year + 3, cvc, "invalid:incorrect_number")
    if customer.action is Action.EXPIRED_CARD:
        return Payment(None, card.number, 1, today.year - 1, cvc, "invalid:invalid_expiry_year")
    if customer.action is Action.WRONG_CVC:
        return Payment(None, card.number, 12, today.year + 3, "1", "invalid:invalid_cvc")
    return Payment(customer.token, card.number, 12, today.year + 3, cvc, card.expected)


class Driver:
    """Drives one scenario's customers through one merchant."""

    def __init__(self, target: Target, base_url: str, run_values: dict,
                 on_result: Callable[[CheckoutResult], None] | None = None):
        self.target = target
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
        payment = payment_for(customer)
        if customer.action is Action.DOUBLE_SUBMIT:
            return self._double_submit(customer, payment, timeout_s)
        first = self.checkout(customer, payment, timeout_s)
        if customer.action is not Action.CANCEL_AFTER_PAY:
            return [first]
        return [first, self.cancel(customer, payment, timeout_s, paid=first.status == "paid",
                                   merchant_order_id=first.merchant_order_id)]

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
        result = self._new_result(customer, payment, step, payment.expected)
        answer = self._request(result, self.target.checkout, self.values(customer, payment), timeout_s, "checkout")
        if answer is not None:
            reading = read_outcome(self.target.outcome, answer)
            result.status, result.raw_status = reading.status, reading.raw_status
            result.message, result.alternatives = reading.message, reading.alternatives
            result.merchant_order_id, result.headers = reading.order_id, reading.headers
            if reading.order_id is not None:
                with self._lock:
                    self._merchant_ids.setdefault(customer.order_id, reading.order_id)
        return self._done(result)

    def cancel(self, customer: Customer, payment: Payment, timeout_s: float, *, paid: bool,
               merchant_order_id: str | None = None) -> CheckoutResult:
        """The customer cancels; the answer's status is read like an order-status answer."""
        result = self._new_result(customer, payment, "cancel", "refunded" if paid else "canceled")
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

    def _new_result(self, customer: Customer, payment: Payment, step: str, expected: str) -> CheckoutResult:
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
