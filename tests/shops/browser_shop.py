"""What the two browser-flow test shops (cedar: client secret, birch: Checkout redirect) share: the
Stripe client with a bounded retry under one Idempotency-Key, the order book (placing an order, finding
one or answering 404, refunding a paid one), the app with its signed and deduplicated webhook route and
GET /healthz, planted defects read from the environment, and serving on 127.0.0.1.

Small on purpose: each shop is an example of its flow (docs/flows/), not a framework.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import stripe
from flask import Flask, abort, jsonify, make_response, request

from tests.shops import shop_main

ATTEMPTS = 3
CALL_TIMEOUT_S = 3.0
RECONCILE_EVERY_S = 1.0      # a pending order asks the gateway at most this often when it is read


class UnknownDefect(ValueError):
    pass


def defects(env_name: str, known: tuple[str, ...], env: dict | None = None) -> frozenset[str]:
    raw = (env if env is not None else os.environ).get(env_name, "")
    asked = {d.strip() for d in raw.split(",") if d.strip()}
    unknown = sorted(asked - set(known))
    if unknown:
        raise UnknownDefect(f"unknown defect(s) {', '.join(unknown)} in {env_name} (valid: {', '.join(known)})")
    return frozenset(asked)


def client(env: dict) -> stripe.StripeClient:
    """The stripe SDK's client: at STRIPE_API_BASE, else at https://api.stripe.com (forward mode)."""
    base = env.get("STRIPE_API_BASE")
    return stripe.StripeClient(env.get("STRIPE_API_KEY", "sk_test_shop"),
                               base_addresses={"api": base} if base else {}, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=CALL_TIMEOUT_S))


def call(fn: Callable[[dict], object], key: str | None = None):
    """One gateway call, retried on no answer / 409 / 429 / 5xx with backoff under the same key."""
    for attempt in range(ATTEMPTS):
        try:
            return fn({"idempotency_key": key} if key else {})
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(max(0.2 * 2 ** attempt * random.uniform(0.5, 1.0), _retry_after_s(exc)))
    raise AssertionError("unreachable")


def _retry_after_s(exc: Exception) -> float:
    """The gateway's Retry-After, in seconds (capped at 3), or 0."""
    headers = getattr(exc, "headers", None) or {}
    try:
        return min(float(headers.get("retry-after") or headers.get("Retry-After") or 0), 3.0)
    except (TypeError, ValueError):
        return 0.0


@dataclass
class Order:
    id: str
    amount: int
    currency: str
    email: str
    status: str = "pending"        # pending | paid | failed | canceled | refunded
    fulfilled: int = 0
    payment_intent: str | None = None
    session: str | None = None
    checked_at: float = 0.0

    def view(self) -> dict:
        return {"id": self.id, "status": self.status, "fulfilled": self.fulfilled}


@dataclass
class Book:
    orders: dict[str, Order] = field(default_factory=dict)
    events: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def paid(self, order: Order, *, fulfil: bool) -> None:
        with self.lock:
            if order.status in ("pending", "failed"):
                order.status = "paid"
            if fulfil and order.fulfilled == 0 and order.status == "paid":
                order.fulfilled = 1

    def find(self, order_id: str) -> Order:
        """The order, or (a Flask abort) the shop's 404 answer."""
        order = self.orders.get(order_id)
        if order is None:
            abort(make_response(jsonify({"error": "no such order"}), 404))
        return order

    def seen(self, event_id: str) -> bool:
        with self.lock:
            return event_id in self.events

    def handled(self, event_id: str) -> None:
        """Remember an event once it was handled (a failed attempt is handled again on the retry)."""
        with self.lock:
            self.events.add(event_id)


def verified_event(secret: str):
    """The webhook's event, or a Flask error answer when its signature does not hold."""
    payload = request.get_data(as_text=True)
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
        return json.loads(payload), None   # plain dicts from here on
    except (ValueError, stripe.SignatureVerificationError):
        return None, (jsonify({"error": "bad signature"}), 400)


def order_input() -> dict:
    body = request.get_json(silent=True) or request.form.to_dict()
    return {"id": str(body.get("order_id") or ""), "amount": int(body.get("amount") or 0),
            "currency": str(body.get("currency") or "usd"), "email": str(body.get("email") or "")}


def place(book: Book):
    """The order the request asks for (the one already placed under its id, if any), or None and the 400
    answer when it names no id or no amount."""
    data = order_input()
    if not data["id"] or data["amount"] <= 0:
        return None, (jsonify({"status": "failed", "message": "An order needs an id and an amount."}), 400)
    with book.lock:
        return book.orders.setdefault(data["id"], Order(**data)), None


def refund(gateway: stripe.StripeClient, order: Order, shop: str) -> None:
    """Refund the order's PaymentIntent in full, under the key `SHOP-ORDER-refund` (a retry refunds once)."""
    call(lambda o: gateway.v1.refunds.create(params={"payment_intent": order.payment_intent}, options=o),
         key=f"{shop}-{order.id}-refund")


def shop_app(name: str, book: Book, secret: str, on_event: Callable[[dict], None]) -> Flask:
    """The shop's Flask app with GET /healthz and POST /hooks/stripe: an event whose signature (with
    `secret`) holds and that was not handled yet goes to `on_event`; one that raised is handled again on the
    gateway's retry."""
    app = Flask(name)

    @app.post("/hooks/stripe")
    def hook():
        event, refusal = verified_event(secret)
        if refusal:
            return refusal
        if book.seen(event["id"]):
            return jsonify({"received": True, "duplicate": True})
        on_event(event)
        book.handled(event["id"])
        return jsonify({"received": True})

    @app.get("/healthz")
    def healthz():
        return jsonify({"ok": True})

    return app


UNAVAILABLE = "Payments are unavailable right now. Please try again in a few minutes."


def serve(name: str, create_app: Callable[[], Flask], argv: list[str] | None = None) -> int:
    """`python -m tests.shops.NAME --port N` for a browser-flow shop (tests/shops/shop_main.py)."""
    return shop_main.serve(name, create_app, argv, refused={UnknownDefect: ""})
