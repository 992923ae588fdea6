"""The routes both reference merchants share: checkout, order status and cancel over any merchant
with `checkout(CheckoutInput) -> dict`, `cancel(order_id) -> dict | None` and an `OrderStore` as
`store`. What differs between them (payments, webhooks, health) stays in each merchant's app."""

from __future__ import annotations

import json

from paychaos.merchants.checkout_input import CheckoutInputError, parse_checkout
from paychaos.merchants.server import Request, Route, bad_request


def _unknown(order_id: str) -> tuple[int, dict]:
    return 404, {"order_id": order_id, "status": "unknown", "error": "unknown order"}


def order_routes(merchant) -> list[Route]:
    def checkout(req: Request):
        try:
            inp = parse_checkout(req.json())
        except (CheckoutInputError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            return bad_request(f"bad checkout request: {exc}")
        return 200, merchant.checkout(inp)

    def order_status(req: Request):
        order = merchant.store.get(req.params["order_id"])
        if order is None:
            return _unknown(req.params["order_id"])
        with merchant.store.lock:
            return 200, order.public()

    def cancel(req: Request):
        answer = merchant.cancel(req.params["order_id"])
        return _unknown(req.params["order_id"]) if answer is None else (200, answer)

    return [
        Route("POST", "/checkout", checkout),
        Route("GET", "/orders/{order_id}", order_status),
        Route("POST", "/orders/{order_id}/cancel", cancel),
    ]
