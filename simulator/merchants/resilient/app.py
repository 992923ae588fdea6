"""HTTP surface of the resilient merchant (the merchant contract of docs/ARCHITECTURE.md)."""

from __future__ import annotations

import json

from simulator.merchants.checkout_input import CheckoutInputError, parse_checkout
from simulator.merchants.config import MerchantConfig
from simulator.merchants.resilient.gateway_client import Gateway
from simulator.merchants.resilient.merchant import ResilientMerchant
from simulator.merchants.resilient.payments import PaymentFlow
from simulator.merchants.resilient.webhooks import WebhookInbox
from simulator.merchants.server import Request, Route, bad_request


def build_routes(config: MerchantConfig) -> tuple[list[Route], ResilientMerchant]:
    primary = Gateway("primary", config.gateway_url, config.api_key)
    backup = Gateway("backup", config.backup_gateway_url, config.api_key) if config.backup_gateway_url else None
    merchant = ResilientMerchant(PaymentFlow(primary, backup))
    inbox = WebhookInbox(config.webhook_secret, merchant.on_event)

    def checkout(req: Request):
        try:
            inp = parse_checkout(req.json())
        except (CheckoutInputError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            return bad_request(f"bad checkout request: {exc}")
        return 200, merchant.checkout(inp)

    def order_status(req: Request):
        order = merchant.store.get(req.params["order_id"])
        if order is None:
            return 404, {"order_id": req.params["order_id"], "status": "unknown", "error": "unknown order"}
        with merchant.store.lock:
            return 200, order.public()

    def cancel(req: Request):
        answer = merchant.cancel(req.params["order_id"])
        if answer is None:
            return 404, {"order_id": req.params["order_id"], "status": "unknown", "error": "unknown order"}
        return 200, answer

    def health(req: Request):
        return 200, {"ok": True, "merchant": "resilient",
                     "circuits": {name: b.state for name, b in merchant.flow.breakers.items()},
                     "reconciling": len(merchant.reconciler.pending()),
                     "webhooks": {"rejected": inbox.rejected, "duplicates": inbox.duplicates}}

    routes = [
        Route("POST", "/checkout", checkout),
        Route("GET", "/orders/{order_id}", order_status),
        Route("POST", "/orders/{order_id}/cancel", cancel),
        Route("POST", "/webhooks/stripe", inbox.receive),
        Route("GET", "/health", health),
    ]
    return routes, merchant
