"""Birch's HTTP API: POST /checkout (303 to the hosted page), GET /return, GET /orders/{id}, POST
/orders/{id}/cancel, POST /hooks/stripe, GET /healthz; and GET /buy, a page whose button posts the
order to /checkout (browser mode with `checkout.page.pay_on: hosted`, target-browser.yaml)."""

from __future__ import annotations

import os
import time
from html import escape
from urllib.parse import urlsplit

import stripe
from flask import Flask, jsonify, redirect, request

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

DEFECTS = ("fulfil_on_redirect", "trust_success_url", "paid_on_complete", "ignore_expired", "ignore_async_failed")
NOT_PAID = ("Your payment was not completed, and you have not been charged. Please try again with another "
            "card or payment method.")
WAITING = "We are waiting for your payment to be confirmed. We will email you."
EXPIRED = "Your checkout expired before it was paid, and you have not been charged. Please try again."


def create_app(env: dict | None = None) -> Flask:
    env = dict(os.environ if env is None else env)
    planted = defects("BIRCH_DEFECTS", DEFECTS, env)
    gateway = client(env)
    secret = env.get("STRIPE_WEBHOOK_SECRET", "")
    book = Book()
    by_session: dict[str, Order] = {}
    catalogue_price = env.get("BIRCH_PRICE", "")   # a Price id the gateway's catalogue holds (target-catalogue.yaml)
    # the only host the shop sends customers to (target-forward.yaml: checkout.stripe.com), as a shop that
    # guards against an open redirect does; empty: wherever the session's url says
    hosted_host = env.get("BIRCH_HOSTED_HOST", "")

    def line_item(order: Order) -> dict:
        if catalogue_price:        # sells one catalogue item, as Stripe's prebuilt Checkout samples do
            return {"quantity": 1, "price": catalogue_price}
        return {"quantity": 1, "price_data": {"currency": order.currency, "unit_amount": order.amount,
                                              "product_data": {"name": f"Birch order {order.id}"}}}

    def settle(order: Order, session, *, fulfil: bool, failed: bool = False) -> None:
        """What the session says about the order (from a webhook or a look-up); `failed`: its Alipay /
        WeChat Pay payment failed (checkout.session.async_payment_failed)."""
        order.payment_intent = session.get("payment_intent") or order.payment_intent
        if session.get("payment_status") == "paid" or (
                "paid_on_complete" in planted and session.get("status") == "complete" and not failed):
            book.paid(order, fulfil=fulfil)      # the defect: a complete session taken for money
        elif failed or (session.get("status") == "expired" and "ignore_expired" not in planted):
            with book.lock:
                if order.status == "pending":
                    order.status = "failed" if failed else "canceled"

    def on_event(event: dict) -> None:
        obj = event["data"]["object"]
        order = by_session.get(obj.get("id", "")) if event["type"].startswith("checkout.session.") else None
        if order is not None and event["type"] in ("checkout.session.completed",
                                                   "checkout.session.async_payment_succeeded",
                                                   "checkout.session.expired"):
            settle(order, obj, fulfil=True)      # the one place a healthy Birch fulfils (payment_status paid)
        elif order is not None and event["type"] == "checkout.session.async_payment_failed" and \
                "ignore_async_failed" not in planted:
            settle(order, obj, fulfil=False, failed=True)

    app = shop_app("birch", book, secret, on_event)

    @app.post("/checkout")
    def checkout():
        order, refusal = place(book)
        if refusal:
            return refusal
        back = request.host_url.rstrip("/") + "/return?session_id={CHECKOUT_SESSION_ID}"
        try:
            session = call(lambda o: gateway.v1.checkout.sessions.create(params={
                "mode": "payment", "success_url": back, "cancel_url": back,
                "payment_method_types": ["card", "alipay", "wechat_pay"],
                "line_items": [line_item(order)],
                "customer_email": order.email or None, "client_reference_id": order.id,
                "metadata": {"order_id": order.id},
                "payment_intent_data": {"metadata": {"order_id": order.id}}}, options=o), key=f"birch-{order.id}")
        except stripe.StripeError:
            with book.lock:
                if order.status == "pending" and not order.session:
                    order.status = "failed"   # nothing to pay: the customer is told to come back later
            return jsonify({"id": order.id, "status": "failed", "message": UNAVAILABLE}), 503
        order.session = session.id
        by_session[session.id] = order
        if hosted_host and (urlsplit(session.url or "").scheme, urlsplit(session.url or "").hostname) != (
                "https", hosted_host):
            return jsonify({"id": order.id, "status": "failed", "message": UNAVAILABLE}), 502
        return redirect(session.url, code=303)

    @app.get("/buy")
    def buy():
        """The shop's own page: the order in hidden fields and one button, no card field (the card is
        typed on the hosted page the button leads to)."""
        fields = "".join(f"<input type=hidden name={name} value='{escape(request.args.get(name, ''), quote=True)}'>"
                         for name in ("order_id", "amount", "currency", "email"))
        return (f"<!doctype html><title>Birch</title><h1>Your basket</h1><form method=post action=/checkout>"
                f"{fields}<button id=buy>Go to payment</button></form>")

    @app.get("/return")
    def came_back():
        order = by_session.get(request.args.get("session_id", ""))
        if order is None:
            return jsonify({"status": "failed", "message": "We could not find your order."}), 404
        if "fulfil_on_redirect" in planted:
            book.paid(order, fulfil=True)        # the defect: landing here is taken for payment
        if "trust_success_url" in planted:
            book.paid(order, fulfil=False)
            return jsonify({"id": order.id, "status": "paid"})
        try:
            session = call(lambda o: gateway.v1.checkout.sessions.retrieve(order.session, options=o))
        except stripe.StripeError:
            return jsonify({"id": order.id, "status": "pending", "message": WAITING})
        settle(order, session.to_dict(), fulfil=False)     # fulfilment waits for the webhook
        if session.payment_status == "paid" or ("paid_on_complete" in planted and session.status == "complete"):
            return jsonify({"id": order.id, "status": "paid"})
        if session.status == "expired" and "ignore_expired" not in planted:
            return jsonify({"id": order.id, "status": "canceled", "message": EXPIRED})
        if session.status == "open":   # back without paying; the session stays open for another try
            with book.lock:
                if order.status == "pending":
                    order.status = "failed"
            return jsonify({"id": order.id, "status": "failed", "message": NOT_PAID})
        return jsonify({"id": order.id, "status": "pending", "message": WAITING})

    @app.get("/orders/<order_id>")
    def read(order_id: str):
        order = book.find(order_id)
        if order.status == "pending" and order.session and time.time() - order.checked_at > RECONCILE_EVERY_S:
            order.checked_at = time.time()   # the webhook may be late or lost: ask the gateway now and then
            try:
                settle(order, gateway.v1.checkout.sessions.retrieve(order.session).to_dict(), fulfil=False)
            except stripe.StripeError:
                pass
        return jsonify(order.view())

    @app.post("/orders/<order_id>/cancel")
    def cancel(order_id: str):
        order = book.find(order_id)
        try:
            if order.status == "paid" and order.payment_intent:
                refund(gateway, order, "birch")
                order.status = "refunded"
            elif order.status == "pending" and order.session:
                call(lambda o: gateway.v1.checkout.sessions.expire(order.session, options=o),
                     key=f"birch-{order.id}-expire")
                order.status = "canceled"
        except stripe.StripeError:
            return jsonify({"id": order.id, "status": order.status, "message": UNAVAILABLE}), 503
        return jsonify({**order.view(), "message": f"Order {order.status}."})

    return app
