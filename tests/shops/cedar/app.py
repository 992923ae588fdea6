"""Cedar's HTTP API: POST /orders (answers the client secret), GET /orders/{id}, POST
/orders/{id}/cancel, POST /hooks/stripe, GET /healthz."""

from __future__ import annotations

import os
import time

import stripe
from flask import Flask, jsonify

from tests.shops.browser_shop import (
    RECONCILE_EVERY_S,
    UNAVAILABLE,
    Book,
    Order,
    call,
    client,
    defects,
    place,
    refund,
    shop_app,
)

DEFECTS = ("no_requires_action", "charge_card_on_file")
CARD_ON_FILE = "pm_card_visa"   # the card the customer saved with their account (a test card that pays)


def create_app(env: dict | None = None) -> Flask:
    env = dict(os.environ if env is None else env)
    planted = defects("CEDAR_DEFECTS", DEFECTS, env)
    gateway = client(env)
    secret = env.get("STRIPE_WEBHOOK_SECRET", "")
    book = Book()

    def charge_card_on_file(order: Order) -> None:
        """The defect `charge_card_on_file`: an order whose customer walked away from 3-D Secure is
        "rescued" by charging the card saved on their account, off-session, without asking them. The
        abandoned intent is canceled and a new one confirmed on the saved card: money moves for a
        payment the customer never authenticated nor agreed to. (The account and its saved card are
        made here for brevity; a real shop has them from sign-up.)"""
        account = call(lambda o: gateway.v1.customers.create(params={"email": order.email or None}, options=o),
                       key=f"cedar-{order.id}-account")
        saved = call(lambda o: gateway.v1.payment_methods.attach(
            env.get("CEDAR_CARD_ON_FILE", CARD_ON_FILE), params={"customer": account.id}, options=o),
            key=f"cedar-{order.id}-saved-card")
        call(lambda o: gateway.v1.payment_intents.cancel(order.payment_intent, options=o),
             key=f"cedar-{order.id}-abandoned")
        intent = call(lambda o: gateway.v1.payment_intents.create(params={
            "amount": order.amount, "currency": order.currency, "customer": account.id,
            "payment_method": saved.id, "off_session": True, "confirm": True,
            "metadata": {"order_id": order.id}}, options=o), key=f"cedar-{order.id}-card-on-file")
        order.payment_intent = intent.id
        if intent.status == "succeeded":
            book.paid(order, fulfil=True)

    def settle(order: Order, intent) -> None:
        """What the intent's status means for the order (from a webhook or a look-up)."""
        status = intent["status"]
        if status == "succeeded" or (status == "requires_action" and "no_requires_action" in planted):
            book.paid(order, fulfil=status == "requires_action")  # the defect ships at once
        elif status in ("requires_payment_method", "canceled") and intent.get("last_payment_error"):
            with book.lock:
                if order.status == "pending":
                    order.status = "failed"

    def on_event(event: dict) -> None:
        intent = event["data"]["object"]
        order = book.orders.get((intent.get("metadata") or {}).get("order_id", ""))
        if order is not None and event["type"].startswith("payment_intent."):
            if event["type"] == "payment_intent.succeeded":
                book.paid(order, fulfil=True)   # the one place an order is fulfilled
            else:
                settle(order, intent)

    app = shop_app("cedar", book, secret, on_event)

    @app.post("/orders")
    def new_order():
        order, refusal = place(book)
        if refusal:
            return refusal
        try:
            intent = call(lambda o: gateway.v1.payment_intents.create(params={
                "amount": order.amount, "currency": order.currency, "payment_method_types": ["card", "alipay", "wechat_pay"],
                "receipt_email": order.email or None, "metadata": {"order_id": order.id}}, options=o),
                key=f"cedar-{order.id}")
        except stripe.StripeError:
            with book.lock:
                if order.status == "pending" and not order.payment_intent:
                    order.status = "failed"   # nothing to pay: the customer is told to come back later
            return jsonify({"id": order.id, "status": "failed", "message": UNAVAILABLE}), 503
        order.payment_intent = intent.id
        return jsonify({"id": order.id, "status": "pending", "clientSecret": intent.client_secret,
                        "paymentMethods": list(intent.payment_method_types)})   # what the page offers

    @app.get("/orders/<order_id>")
    def read(order_id: str):
        order = book.find(order_id)
        if order.status == "pending" and order.payment_intent and time.time() - order.checked_at > RECONCILE_EVERY_S:
            order.checked_at = time.time()   # the webhook may be late or lost: ask the gateway now and then
            try:
                intent = gateway.v1.payment_intents.retrieve(order.payment_intent).to_dict()
                if intent["status"] == "requires_action" and "charge_card_on_file" in planted:
                    charge_card_on_file(order)   # the defect: the customer left the challenge
                else:
                    settle(order, intent)
            except stripe.StripeError:
                pass
        return jsonify(order.view())

    @app.post("/orders/<order_id>/cancel")
    def cancel(order_id: str):
        order = book.find(order_id)
        try:
            if order.status == "paid":
                refund(gateway, order, "cedar")
                order.status = "refunded"
            elif order.status == "pending" and order.payment_intent:
                call(lambda o: gateway.v1.payment_intents.cancel(order.payment_intent, options=o),
                     key=f"cedar-{order.id}-cancel")
                order.status = "canceled"
        except stripe.StripeError:
            return jsonify({"id": order.id, "status": order.status, "message": UNAVAILABLE}), 503
        return jsonify({**order.view(), "message": f"Order {order.status}."})

    return app
