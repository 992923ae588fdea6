"""`POST /hooks/stripe`: verify Stripe's signature, handle each event id once, fulfil paid orders once.

The order an event is about is found by the shop's own metadata (`cart`) on the PaymentIntent or Charge.
"""

from __future__ import annotations

import json
import threading

import stripe

from tests.shops.lantern.orders import CANCELLED, COMPLETE, DECLINED, PROCESSING, REFUNDED, OrderBook

PAID_EVENTS = {"payment_intent.succeeded", "charge.succeeded"}
FAILED_EVENTS = {"payment_intent.payment_failed", "charge.failed"}


class Hooks:
    def __init__(self, book: OrderBook, secret: str | None, defects: frozenset[str]):
        self.book = book
        self.secret = secret
        self.verify = "webhook_no_verify" not in defects
        self.dedupe = "webhook_no_dedupe" not in defects
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def receive(self, payload: bytes, signature: str | None) -> tuple[int, dict]:
        if self.verify:
            if not self.secret:
                return 500, {"error": {"message": "Webhook secret is not configured."}}
            try:
                stripe.Webhook.construct_event(payload.decode("utf-8"), signature or "", self.secret)
            except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError):
                return 400, {"error": {"message": "Invalid signature."}}
        try:
            event = json.loads(payload)
            event_id, kind, obj = event["id"], event["type"], event["data"]["object"]
        except (ValueError, KeyError, TypeError):
            return 400, {"error": {"message": "Not a Stripe event."}}
        if self.dedupe:
            with self._lock:
                if event_id in self._seen:
                    return 200, {"received": True}
                self._seen.add(event_id)
        self._apply(event_id, kind, obj)
        return 200, {"received": True}

    def _apply(self, event_id: str, kind: str, obj: dict) -> None:
        order = self.book.get((obj.get("metadata") or {}).get("cart"))
        if order is None:
            return
        # A PaymentIntent's charge also sends charge.* events: only the object that paid counts.
        if kind.startswith("charge.") and obj.get("payment_intent"):
            return
        with self.book.lock:
            if kind in PAID_EVENTS:
                order.payment_id = obj.get("id")
                if order.state in (PROCESSING, DECLINED, COMPLETE):
                    self.book.set_state(order, COMPLETE, f"{event_id} {kind}")
                    if order.shipments == 0 or not self.dedupe:
                        order.shipments += 1
            elif kind in FAILED_EVENTS and order.state == PROCESSING:
                self.book.set_state(order, DECLINED, f"{event_id} {kind}")
            elif kind == "charge.refunded" and order.state != CANCELLED:
                self.book.set_state(order, REFUNDED, f"{event_id} {kind}")
