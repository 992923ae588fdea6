"""HTTP surface and logic of the naive merchant; its defects are listed in the package docstring."""

from __future__ import annotations

import json
import logging

import requests

from paychaos.common.masking import mask_text
from paychaos.merchants.checkout_input import CheckoutInput
from paychaos.merchants.config import MerchantConfig
from paychaos.merchants.lexicon import message
from paychaos.merchants.orders import OrderStore
from paychaos.merchants.routes import order_routes
from paychaos.merchants.server import Request, Route

log = logging.getLogger("paychaos.merchant.naive")

ATTEMPTS = 3


def _form(data: dict, prefix: str = "") -> dict:
    """Flatten nested params into Stripe's bracket form (card[number]=...)."""
    flat = {}
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            flat.update(_form(value, name))
        else:
            flat[name] = value
    return flat


class NaiveMerchant:
    def __init__(self, config: MerchantConfig):
        self.base = config.gateway_url            # defect 7: the backup URL is never read
        self.headers = {"Authorization": f"Bearer {config.api_key}"}
        self.store = OrderStore()

    def _post(self, path: str, params: dict) -> requests.Response | Exception:
        """Defects 1-4: no timeout, no idempotency key, immediate retries of anything that is not a 200."""
        outcome: requests.Response | Exception = RuntimeError("no attempt made")
        for _ in range(ATTEMPTS):
            try:
                outcome = requests.post(self.base + path, data=_form(params), headers=self.headers)
            except requests.RequestException as exc:
                outcome = exc
                continue
            if outcome.status_code == 200:
                return outcome
        return outcome

    @staticmethod
    def _failure_text(outcome: requests.Response | Exception) -> str:
        """Defect 5: the customer reads whatever came back."""
        raw = outcome.text if isinstance(outcome, requests.Response) else f"{type(outcome).__name__}: {outcome}"
        return mask_text(f"Payment failed: {raw}")

    def checkout(self, inp: CheckoutInput) -> dict:
        order = self.store.get_or_create(inp.order_id, inp.amount, inp.currency, inp.locale)  # defect 8
        payment_method = inp.payment_method
        if payment_method is None:
            made = self._post("/v1/payment_methods", inp.card.gateway_params())
            if not isinstance(made, requests.Response) or made.status_code != 200:
                return self._fail(order, made)
            payment_method = made.json()["id"]
        paid = self._post("/v1/payment_intents", {
            "amount": inp.amount, "currency": inp.currency, "payment_method": payment_method,
            "confirm": "true", "metadata": {"order_id": inp.order_id}})
        if isinstance(paid, requests.Response) and paid.status_code == 200:
            try:
                intent = paid.json()
            except ValueError:
                return self._fail(order, paid)     # defect 6: garbled answer means "failed"
            if intent.get("status") == "succeeded":
                with self.store.lock:
                    order.payment_intent = intent.get("id")
                    order.set_status("paid", intent.get("id"))
                    order.fulfilled += 1           # defect 11
                    order.message, order.alternatives = message("paid", inp.locale), []
                return order.answer()
        return self._fail(order, paid)             # defect 6: a lost answer means "failed"

    def _fail(self, order, outcome) -> dict:
        with self.store.lock:
            order.set_status("failed", "gateway call failed")
            order.message, order.alternatives = self._failure_text(outcome), []   # defect 7
        log.info("order %s failed: %s", order.order_id, order.message[:200])
        return order.answer()

    def cancel(self, order_id: str) -> dict | None:
        order = self.store.get(order_id)
        if order is None:
            return None
        with self.store.lock:
            order.set_status("canceled", "canceled by the customer")   # defect 9: no refund
            order.message = "Order canceled."
        return order.answer()

    def webhook(self, req: Request) -> tuple[int, dict]:
        event = json.loads(req.body or b"{}")      # defect 10: no signature check, no dedupe
        obj = (event.get("data") or {}).get("object") or {}
        order = self.store.get((obj.get("metadata") or {}).get("order_id") or "")
        if order is not None:
            with self.store.lock:
                if event.get("type") == "payment_intent.succeeded":
                    order.set_status("paid", f"webhook {event.get('id')}")
                    order.fulfilled += 1
                elif event.get("type") == "payment_intent.payment_failed":
                    order.set_status("failed", f"webhook {event.get('id')}")
        return 200, {"received": True}


def build_routes(config: MerchantConfig) -> tuple[list[Route], NaiveMerchant]:
    merchant = NaiveMerchant(config)
    return [
        *order_routes(merchant),
        Route("POST", "/webhooks/stripe", merchant.webhook),
        Route("GET", "/health", lambda req: (200, {"ok": True, "merchant": "naive"})),
    ], merchant
