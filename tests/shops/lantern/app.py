"""Lantern's HTTP API (Flask): place, read and cancel orders; Stripe webhooks; health."""

from __future__ import annotations

import json
import os
import time

import stripe
from flask import Flask, jsonify, request

from tests.shops.lantern import defects as defect_list
from tests.shops.lantern import messages
from tests.shops.lantern.catalogue import MAX_QTY, PRICES, total_cents
from tests.shops.lantern.gateway import Deadline, GatewaySettings, call, make_client
from tests.shops.lantern.orders import CANCELLED, COMPLETE, REFUNDED, OrderBook
from tests.shops.lantern.payments import Shop, checkout, refresh
from tests.shops.lantern.webhooks import Hooks

APIS = ("payment_intents", "charges")


def _error(status: int, message: str):
    return jsonify({"error": {"message": message}}), status


def _order_input(body) -> tuple[dict | None, str | None]:
    """The checkout body, or the customer-facing reason it cannot be used."""
    if not isinstance(body, dict):
        return None, "Please send your order as JSON."
    sku, qty = body.get("sku"), body.get("qty", 1)
    if sku not in PRICES:
        return None, f"We don't sell '{sku}'. Please pick one of: {', '.join(PRICES)}."
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        return None, f"Please order between 1 and {MAX_QTY} of an item."
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None, "Please give an email address so we can send your receipt."
    pm, card = body.get("payment_method"), body.get("card")
    if not pm and not isinstance(card, dict):
        return None, "Please choose a payment method."
    return {"sku": sku, "qty": qty, "email": email, "name": str(body.get("name") or ""),
            "payment_method": pm, "card": card}, None


def create_app(env: dict | None = None) -> Flask:
    env = dict(os.environ if env is None else env)
    defects = defect_list.parse(env.get("LANTERN_DEFECTS"))
    api = env.get("LANTERN_API", "payment_intents")
    if api not in APIS:
        raise defect_list.UnknownDefect(f"LANTERN_API: '{api}' is not one of {', '.join(APIS)}")
    settings = GatewaySettings(api_base=env.get("STRIPE_API_BASE", "https://api.stripe.com"),
                               api_key=env.get("STRIPE_API_KEY", "sk_test_lantern"),
                               timeout="no_timeout" not in defects,
                               idempotency="no_idempotency" not in defects)
    book = OrderBook()
    shop = Shop(make_client(settings), settings, book, defects, api)
    hooks = Hooks(book, env.get("STRIPE_WEBHOOK_SECRET"), defects)
    app = Flask("lantern")

    @app.get("/healthz")
    def healthz():
        return jsonify({"ok": True})

    @app.post("/api/orders")
    def place_order():
        given, problem = _order_input(request.get_json(silent=True))
        if problem:
            return _error(400, problem)
        paying_with = given["payment_method"] or json.dumps(given["card"], sort_keys=True)
        order, joined = book.open(given["sku"], given["qty"], total_cents(given["sku"], given["qty"]),
                                  given["email"], given["name"], paying_with)
        if joined and "no_submit_guard" not in defects:
            order.done.wait(timeout=15)
            if order.answer is not None:
                return jsonify(order.answer[1]), order.answer[0]
            return jsonify({**order.public(), "message": messages.CONFIRMING}), 202
        if joined:   # the no_submit_guard defect: a second click is a second order
            order, _ = book.open(given["sku"], given["qty"], order.amount, given["email"], given["name"],
                                 paying_with + f"|{time.monotonic()}")
        try:
            order.answer = checkout(shop, order, given["payment_method"], given["card"])
        finally:
            order.done.set()
        return jsonify(order.answer[1]), order.answer[0]

    @app.get("/api/orders/<order_id>")
    def read_order(order_id: str):
        order = book.get(order_id)
        if order is None:
            return _error(404, "We couldn't find that order.")
        refresh(shop, order)
        return jsonify(order.public())

    @app.post("/api/orders/<order_id>/cancel")
    def cancel_order(order_id: str):
        order = book.get(order_id)
        if order is None:
            return _error(404, "We couldn't find that order.")
        refresh(shop, order)
        if order.state in (CANCELLED, REFUNDED):
            return jsonify(order.public())
        if order.state != COMPLETE:
            book.set_state(order, CANCELLED, "cancelled by the customer before payment")
            return jsonify(order.public())
        by = {"charge": order.payment_id} if api == "charges" else {"payment_intent": order.payment_id}
        try:
            call(settings, lambda o: shop.client.v1.refunds.create(params=by, options=o),
                 f"lantern-{order.id}-refund", Deadline())
        except stripe.StripeError as exc:
            return _error(503, str(exc) if "leak_exception" in defects else
                          "We couldn't refund you just now. Please try again in a few minutes.")
        book.set_state(order, REFUNDED, "refunded on cancel")
        return jsonify(order.public())

    @app.post("/hooks/stripe")
    def stripe_hook():
        status, body = hooks.receive(request.get_data(), request.headers.get("Stripe-Signature"))
        return jsonify(body), status

    @app.errorhandler(Exception)
    def crashed(exc):   # never a Flask HTML page or a traceback to a customer
        app.logger.exception("unhandled error")
        return _error(500, "Something went wrong on our side. Please try again in a few minutes.")

    app.config["LANTERN_SHOP"] = shop
    return app
