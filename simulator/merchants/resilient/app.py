"""HTTP surface of the resilient merchant (the merchant contract of docs/ARCHITECTURE.md)."""

from __future__ import annotations

from paychaos.merchants.config import MerchantConfig
from paychaos.merchants.resilient.gateway_client import Gateway
from paychaos.merchants.resilient.merchant import ResilientMerchant
from paychaos.merchants.resilient.payments import PaymentFlow
from paychaos.merchants.resilient.webhooks import WebhookInbox
from paychaos.merchants.routes import order_routes
from paychaos.merchants.server import Request, Route


def build_routes(config: MerchantConfig) -> tuple[list[Route], ResilientMerchant]:
    primary = Gateway("primary", config.gateway_url, config.api_key)
    backup = Gateway("backup", config.backup_gateway_url, config.api_key) if config.backup_gateway_url else None
    merchant = ResilientMerchant(PaymentFlow(primary, backup))
    inbox = WebhookInbox(config.webhook_secret, merchant.on_event)

    def health(req: Request):
        return 200, {"ok": True, "merchant": "resilient",
                     "circuits": {name: b.state for name, b in merchant.flow.breakers.items()},
                     "reconciling": len(merchant.reconciler.pending()),
                     "webhooks": {"rejected": inbox.rejected, "duplicates": inbox.duplicates}}

    routes = [
        *order_routes(merchant),
        Route("POST", "/webhooks/stripe", inbox.receive),
        Route("GET", "/health", health),
    ]
    return routes, merchant
