"""Sorrel & Thyme's HTTP API. The card is authorised at checkout (a PaymentIntent with
capture_method=manual, confirmed at once) and charged only when the plants ship:

  POST /checkout               place the basket's order: authorised (money held), declined, not_placed or
                               checking; pressed again for the same `cart`, the first press's answer
  GET  /orders/{ref}           the order (a `checking` one asks the gateway again, at most once a second)
  POST /orders/{ref}/ship      capture the held money and ship
  POST /orders/{ref}/cancel    release the hold (or refund, once shipped)
  POST /stripe/events          signed webhooks
  GET  /healthz

Planted defects, SORREL_DEFECTS=a,b: `fresh_key_per_try` (a retried authorisation carries a new
Idempotency-Key: an answer lost on the way back becomes a second hold), `cancel_keeps_hold` (a cancelled
order is marked cancelled but the authorisation is never released).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, abort, jsonify, request

from tests.shops.sorrel.stripe_http import GatewayDown, Refused, Stripe, signed

DEFECTS = ("fresh_key_per_try", "cancel_keeps_hold")
ASK_EVERY_S = 1.0

HELD = "We've authorised your card. We'll only charge it when your plants ship."
CHECKING = "We're still hearing back from your bank. We'll email you as soon as we know."
UNREACHABLE = "We couldn't reach our card processor, so nothing was charged. Please try again in a few minutes."
NOT_TAKING = "We can't take card payments right now, and nothing was charged. Please email help@sorrel.example."
DECLINED = "Your card was declined. Please try another card."
BY_CODE = {
    "insufficient_funds": "Your card has insufficient funds. Please try another card.",
    "expired_card": "Your card has expired. Please try another card.",
    "incorrect_cvc": "The security code doesn't match your card. Please check it and try again.",
    "invalid_cvc": "The security code doesn't match your card. Please check it and try again.",
    "incorrect_number": "That card number isn't right. Please check it and try again.",
    "invalid_number": "That card number isn't right. Please check it and try again.",
    "invalid_expiry_month": "That expiry date isn't right. Please check it and try again.",
    "invalid_expiry_year": "That expiry date isn't right. Please check it and try again.",
    "processing_error": "Your bank had a problem with this payment. Please try again in a moment.",
    "try_again_later": "Your bank couldn't approve this right now. Please try again later.",
    "authentication_required": "Your bank wants to confirm this payment, which we can't do here. Please try another card.",
}


class UnknownDefect(ValueError):
    pass


def planted(env: dict) -> frozenset[str]:
    asked = {d.strip() for d in env.get("SORREL_DEFECTS", "").split(",") if d.strip()}
    unknown = sorted(asked - set(DEFECTS))
    if unknown:
        raise UnknownDefect(f"SORREL_DEFECTS: unknown defect(s) {', '.join(unknown)}; valid: {', '.join(DEFECTS)}")
    return frozenset(asked)


@dataclass
class Order:
    ref: str
    amount: int
    currency: str
    email: str
    state: str = "checking"     # checking | authorised | charged | declined | not_placed | released | cancelled | refunded
    shipped: int = 0
    intent: str | None = None
    asked_at: float = 0.0
    seen_events: set[str] = field(default_factory=set)
    answered: threading.Event = field(default_factory=threading.Event)   # the checkout's answer is out
    answer: tuple[dict, int] | None = None   # what the customer was told (a second press gets it too)

    def view(self, message: str | None = None) -> dict:
        out = {"order": self.ref, "state": self.state, "amount": self.amount, "shipped": self.shipped}
        return {**out, "message": message} if message else out


def words_for(exc: Refused) -> str:
    return BY_CODE.get(exc.decline_code or "") or BY_CODE.get(exc.code or "") or DECLINED


def create_app(env: dict | None = None) -> Flask:
    env = dict(os.environ if env is None else env)
    defects = planted(env)
    stripe = Stripe(env.get("STRIPE_API_BASE") or "https://api.stripe.com", env.get("STRIPE_API_KEY", "sk_test_sorrel"),
                    fresh_keys="fresh_key_per_try" in defects)
    secret = env.get("STRIPE_WEBHOOK_SECRET", "")
    orders: dict[str, Order] = {}
    carts: dict[str, Order] = {}   # the basket's id (the page's hidden field) -> its order
    lock = threading.Lock()
    numbers = itertools.count(1001)
    app = Flask("sorrel")

    def apply(order: Order, intent: dict) -> None:
        """What an intent's status means for the order (from the checkout, a look-up or a webhook)."""
        status = intent.get("status")
        with lock:
            order.intent = intent.get("id") or order.intent
            if status == "requires_capture" and order.state == "checking":
                order.state = "authorised"
            elif status == "succeeded" and order.state in ("checking", "authorised"):
                order.state = "charged"
            elif status == "canceled" and order.state in ("checking", "authorised"):
                order.state = "released"
            elif status in ("requires_payment_method", "requires_action") and order.state == "checking":
                order.state = "declined"

    def look_up(order: Order) -> dict | None:
        """The order's PaymentIntent at the gateway, found by our own metadata (None: there is none)."""
        found = stripe.get("/v1/payment_intents/search", {"query": f"metadata['sorrel_order']:'{order.ref}'"})
        intents = found.get("data") or []
        held = [i for i in intents if i.get("status") in ("requires_capture", "succeeded")]
        return (held or intents or [None])[0]

    def release(order: Order, why: str) -> None:
        stripe.post(f"/v1/payment_intents/{order.intent}/cancel", {"cancellation_reason": why},
                    key=f"sorrel-release-{order.ref}")

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.post("/checkout")
    def checkout():
        body = request.get_json(silent=True) or {}
        try:
            amount = int(body.get("amount"))
        except (TypeError, ValueError):
            return jsonify({"state": "not_placed", "message": "Your basket is empty."}), 400
        cart = str(body.get("cart") or "")
        with lock:
            earlier = carts.get(cart) if cart else None
            joins = earlier is not None and earlier.state not in ("declined", "not_placed")
            if not joins:
                order = Order(f"SRL-{next(numbers)}", amount, str(body.get("currency") or "usd"),
                              str(body.get("email") or ""))
                orders[order.ref] = order
                if cart:
                    carts[cart] = order
        if joins:
            # "Place order" pressed again for the same cart: the first press's answer, not a second hold
            earlier.answered.wait(timeout=20)
            return earlier.answer or (earlier.view(CHECKING), 202)
        try:
            order.answer = place(order, body)
        finally:
            order.answered.set()
        return order.answer

    def place(order: Order, body: dict):
        try:
            method = body.get("payment_method")
            if not method:   # stands in for Stripe.js turning the typed card into a PaymentMethod
                card = body.get("card") or {}
                method = stripe.post("/v1/payment_methods", {"type": "card", "card": {
                    k: card.get(k) for k in ("number", "exp_month", "exp_year", "cvc")}},
                    key=f"sorrel-card-{order.ref}")["id"]
            intent = stripe.post("/v1/payment_intents", {
                "amount": order.amount, "currency": order.currency, "payment_method": method,
                "payment_method_types": ["card"], "confirm": True, "capture_method": "manual",
                "receipt_email": order.email or None, "description": f"Sorrel & Thyme {order.ref}",
                "metadata": {"sorrel_order": order.ref}}, key=f"sorrel-authorise-{order.ref}")
        except Refused as exc:
            if exc.status in (401, 403):
                order.state = "not_placed"
                return order.view(NOT_TAKING), 503
            order.state = "declined"
            return order.view(words_for(exc)), 402
        except GatewayDown as exc:
            if not exc.reached:   # never connected: nothing can be held
                order.state = "not_placed"
                return order.view(UNREACHABLE), 503
            return after_no_answer(order)
        return answer(order, intent)

    def after_no_answer(order: Order):
        """The authorisation's answer never came: a hold may exist. Look before telling the customer."""
        try:
            intent = look_up(order)
        except (GatewayDown, Refused):
            return order.view(CHECKING), 202
        if intent is None:
            order.state = "not_placed"
            return order.view(UNREACHABLE), 503
        return answer(order, intent)

    def answer(order: Order, intent: dict):
        apply(order, intent)
        if intent.get("status") == "requires_action":   # 3-D Secure cannot be done from our server
            try:
                release(order, "abandoned")
            except (GatewayDown, Refused):
                pass
            return order.view(BY_CODE["authentication_required"]), 402
        if order.state in ("authorised", "charged"):
            return order.view(HELD), 201
        if order.state == "checking":
            return order.view(CHECKING), 202
        return order.view(DECLINED), 402

    def find(ref: str) -> Order:
        order = orders.get(ref)
        if order is None:
            abort(404)
        return order

    @app.get("/orders/<ref>")
    def read(ref: str):
        order = find(ref)
        if order.state == "checking" and time.time() - order.asked_at > ASK_EVERY_S:
            order.asked_at = time.time()   # a webhook may be late or lost: ask now and then
            try:
                intent = look_up(order)
                if intent is not None:
                    apply(order, intent)
                elif order.answered.is_set():   # the checkout is over and no authorisation was ever made
                    order.state = "not_placed"
            except (GatewayDown, Refused):
                pass
        return jsonify(order.view())

    @app.post("/orders/<ref>/ship")
    def ship(ref: str):
        order = find(ref)
        if order.state == "authorised":
            try:
                intent = stripe.post(f"/v1/payment_intents/{order.intent}/capture", key=f"sorrel-capture-{order.ref}")
            except (GatewayDown, Refused):
                return jsonify(order.view("We couldn't charge the card yet; the plants wait.")), 503
            apply(order, intent)
        if order.state != "charged":
            return jsonify(order.view("Only an authorised order can ship.")), 409
        with lock:
            order.shipped = max(order.shipped, 1)
        return jsonify(order.view("Charged and on its way."))

    @app.post("/orders/<ref>/cancel")
    def cancel(ref: str):
        order = find(ref)
        try:
            if order.state in ("authorised", "checking") and order.intent and "cancel_keeps_hold" not in defects:
                release(order, "requested_by_customer")
            elif order.state == "charged":
                stripe.post("/v1/refunds", {"payment_intent": order.intent}, key=f"sorrel-refund-{order.ref}")
                order.state = "refunded"
                return jsonify(order.view("Refunded in full."))
        except (GatewayDown, Refused):
            return jsonify(order.view("We couldn't cancel just now. Please try again in a minute.")), 503
        if order.state in ("authorised", "checking", "released"):
            order.state = "cancelled"
        return jsonify(order.view("Cancelled: the hold on your card is released."))

    @app.post("/stripe/events")
    def events():
        payload = request.get_data()
        if not signed(payload, request.headers.get("Stripe-Signature", ""), secret):
            return {"error": "bad signature"}, 400
        event = json.loads(payload)
        intent = (event.get("data") or {}).get("object") or {}
        order = orders.get((intent.get("metadata") or {}).get("sorrel_order", ""))
        if order is None or event.get("id") in order.seen_events:
            return {"received": True}
        order.seen_events.add(event.get("id"))
        kind = event.get("type")
        if kind in ("payment_intent.amount_capturable_updated", "payment_intent.succeeded", "payment_intent.canceled"):
            apply(order, intent)
        elif kind == "payment_intent.payment_failed":
            with lock:
                if order.state == "checking":
                    order.state = "declined"
        return {"received": True}

    return app
