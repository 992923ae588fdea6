"""One checkout: Customer, saved payment methods, then a server-side confirmed PaymentIntent (or, with
`LANTERN_API=charges`, a Charge). Returns the HTTP status and JSON body the customer gets."""

from __future__ import annotations

from dataclasses import dataclass

import stripe

from tests.shops.lantern import messages
from tests.shops.lantern.catalogue import CURRENCY
from tests.shops.lantern.gateway import Deadline, GatewaySettings, call, is_transient
from tests.shops.lantern.orders import COMPLETE, DECLINED, PROCESSING, Order, OrderBook

DECLINE_RETRIES = 3   # the retry_hard_declines defect


@dataclass
class Shop:
    client: stripe.StripeClient
    gateway: GatewaySettings
    book: OrderBook
    defects: frozenset[str]
    api: str = "payment_intents"   # or "charges"


def charge_source(payment_method: str) -> str:
    """The Charges API takes tokens: Stripe's test PaymentMethod `pm_card_X` has the test token `tok_X`
    (tok_visa, tok_chargeDeclined, tok_visa_chargeDeclinedInsufficientFunds, ...). Anything else (a
    `pm_...` the shop made from card details) is passed as is: the fake gateway accepts a PaymentMethod
    id as `source`."""
    if payment_method.startswith("pm_card_"):
        return "tok_" + payment_method[len("pm_card_"):]
    return payment_method


def _message(shop: Shop, exc: Exception, ours: str) -> str:
    return str(exc) if "leak_exception" in shop.defects else ours


def _declined(shop: Shop, order: Order, exc: stripe.CardError) -> tuple[int, dict]:
    err = exc.error
    code = getattr(err, "code", None) if err else None
    decline_code = getattr(err, "decline_code", None) if err else None
    shop.book.set_state(order, DECLINED, f"card error {code}/{decline_code}")
    return 402, {"id": order.id, "state": DECLINED,
                 "error": {"message": _message(shop, exc, messages.for_card_error(code, decline_code))}}


def _unreachable(shop: Shop, order: Order, exc: Exception, why: str) -> tuple[int, dict]:
    shop.book.set_state(order, DECLINED, why)
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        words = messages.NOT_TAKING_CARDS
    else:
        words = messages.UNREACHABLE
    return 503, {"id": order.id, "error": {"message": _message(shop, exc, words)}}


def _settled(shop: Shop, order: Order, payment) -> tuple[int, dict]:
    """The customer's answer for a PaymentIntent or Charge the gateway returned (or a lookup found)."""
    status = payment["status"]
    with shop.book.lock:
        order.payment_id = payment["id"]
        if status == "succeeded":
            if order.state not in (COMPLETE,):
                shop.book.set_state(order, COMPLETE, f"{payment['id']} succeeded")
            return 201, order.public()
        if status in ("processing", "pending"):
            shop.book.set_state(order, PROCESSING, f"{payment['id']} {status}")
            return 202, {**order.public(), "message": messages.CONFIRMING}
    # requires_action (3-D Secure) cannot be completed by a server-side confirm; anything else failed.
    shop.book.set_state(order, DECLINED, f"{payment['id']} {status}")
    words = (messages.for_card_error("authentication_required", None) if status == "requires_action"
             else messages.GENERIC_DECLINE)
    return 402, {"id": order.id, "state": DECLINED, "error": {"message": words}}


def lookup(shop: Shop, order: Order, deadline: Deadline):
    """The order's payment at the gateway, found by the shop's own metadata (`cart`); None if none."""
    if shop.api == "charges":
        found = call(shop.gateway, lambda o: shop.client.v1.charges.list(params={"limit": 100}, options=o),
                     None, deadline)
        matches = [c for c in found.data if (c.get("metadata") or {}).get("cart") == order.id]
    else:
        query = f"metadata['cart']:'{order.id}'"
        found = call(shop.gateway, lambda o: shop.client.v1.payment_intents.search(params={"query": query},
                                                                                  options=o), None, deadline)
        matches = list(found.data)
    paid = [m for m in matches if m["status"] == "succeeded"]
    return (paid or matches or [None])[0]


def _pay_once(shop: Shop, order: Order, customer_id: str, payment_method: str, key: str | None,
              deadline: Deadline):
    retry = "lost_told_failed" not in shop.defects
    common = {"amount": order.amount, "currency": CURRENCY, "metadata": {"cart": order.id},
              "description": f"Lantern & Brass {order.id}", "receipt_email": order.email}
    if shop.api == "charges":
        params = {**common, "source": charge_source(payment_method)}
        return call(shop.gateway, lambda o: shop.client.v1.charges.create(params=params, options=o),
                    key, deadline, retry=retry)
    params = {**common, "customer": customer_id, "payment_method": payment_method,
              "payment_method_types": ["card"], "confirm": True}
    return call(shop.gateway, lambda o: shop.client.v1.payment_intents.create(params=params, options=o),
                key, deadline, retry=retry)


def _card_from_details(shop: Shop, card: dict, key: str, deadline: Deadline) -> str:
    """Stands in for Stripe.js tokenising the card in the browser: card details -> a PaymentMethod id."""
    params = {"type": "card", "card": {"number": str(card.get("number", "")),
                                       "exp_month": card.get("exp_month"), "exp_year": card.get("exp_year"),
                                       "cvc": str(card.get("cvc", ""))}}
    pm = call(shop.gateway, lambda o: shop.client.v1.payment_methods.create(params=params, options=o),
              key, deadline)
    return pm.id


def checkout(shop: Shop, order: Order, payment_method: str | None, card: dict | None) -> tuple[int, dict]:
    deadline = Deadline()
    base_key = f"lantern-{order.id}"
    try:
        customer = call(shop.gateway, lambda o: shop.client.v1.customers.create(
            params={"email": order.email, "name": order.name, "metadata": {"cart": order.id}}, options=o),
            f"{base_key}-customer", deadline)
        call(shop.gateway, lambda o: shop.client.v1.payment_methods.list(
            params={"customer": customer.id, "type": "card"}, options=o), None, deadline)
        if not payment_method:
            payment_method = _card_from_details(shop, card or {}, f"{base_key}-card", deadline)
    except stripe.CardError as exc:
        return _declined(shop, order, exc)
    except stripe.StripeError as exc:
        return _unreachable(shop, order, exc, f"before paying: {type(exc).__name__}")

    try:
        payment = _pay_once(shop, order, customer.id, payment_method, f"{base_key}-pay", deadline)
    except stripe.CardError as exc:
        if "retry_hard_declines" not in shop.defects:
            return _declined(shop, order, exc)
        last = exc
        for n in range(1, DECLINE_RETRIES + 1):
            try:
                payment = _pay_once(shop, order, customer.id, payment_method, f"{base_key}-pay-again{n}", deadline)
                break
            except stripe.CardError as again:
                last = again
        else:
            return _declined(shop, order, last)
    except stripe.StripeError as exc:
        if not is_transient(exc):
            return _unreachable(shop, order, exc, f"payment refused: {type(exc).__name__}")
        if "lost_told_failed" in shop.defects:
            shop.book.set_state(order, DECLINED, f"payment answer lost: {type(exc).__name__}")
            return 402, {"id": order.id, "state": DECLINED,
                         "error": {"message": _message(shop, exc, messages.DECLINED_AFTER_LOSS)}}
        return _after_ambiguous(shop, order, exc)
    return _settled(shop, order, payment)


def _after_ambiguous(shop: Shop, order: Order, exc: Exception) -> tuple[int, dict]:
    """The payment call's answer never came (or came unreadable) after every retry: the card may have been
    charged, so look before telling the customer anything."""
    try:
        found = lookup(shop, order, Deadline(2 * 2.5))
    except stripe.StripeError:
        shop.book.set_state(order, PROCESSING, "payment outcome unknown, lookup failed")
        return 202, {**order.public(), "message": messages.CONFIRMING}
    if found is None:
        return _unreachable(shop, order, exc, f"no payment found after {type(exc).__name__}")
    return _settled(shop, order, found)


def refresh(shop: Shop, order: Order) -> None:
    """A processing order looks its payment up again (on every status read), so it settles even when the
    webhook never comes."""
    if order.state != PROCESSING:
        return
    try:
        found = lookup(shop, order, Deadline(2.5))
    except stripe.StripeError:
        return
    if found is not None and found["status"] in ("succeeded", "failed", "canceled", "requires_payment_method"):
        _settled(shop, order, found)
