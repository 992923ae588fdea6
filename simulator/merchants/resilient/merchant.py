"""The resilient merchant's order logic: checkout, cancel with refund, webhook events, and the
reconciliation that settles unknown outcomes and refunds orphan charges.

Fulfilment happens exactly once, on the transition to `paid`, whichever of the checkout answer,
a webhook or the reconciler sees the payment first. A charge that turns up for an order that is
already paid by another intent, was told `failed`, or was canceled, is refunded.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from paychaos.merchants.checkout_input import CheckoutInput
from paychaos.merchants.lexicon import MESSAGES, OTHER_METHODS, message
from paychaos.merchants.orders import Order, OrderStore
from paychaos.merchants.resilient.declines import decline_reason
from paychaos.merchants.resilient.lookups import find_order_intents
from paychaos.merchants.resilient.payments import Outcome, PaymentFlow
from paychaos.merchants.resilient.reconciler import Reconciler

log = logging.getLogger("paychaos.merchant.resilient")


class ResilientMerchant:
    def __init__(self, flow: PaymentFlow, *, quiet_s: float = 6.0, lookup_timeout_s: float = 3.0):
        self.flow = flow
        self.store = OrderStore()
        self.quiet_s = quiet_s                 # how long a late charge may still land after our last call
        self.lookup_timeout_s = lookup_timeout_s
        self._nonce = secrets.token_hex(3)     # keys differ between merchant runs against one gateway
        self._refunded: set[str] = set()
        self._refund_lock = threading.Lock()
        self.reconciler = Reconciler(self.reconcile_order)

    # -- checkout ---------------------------------------------------------------------------
    def checkout(self, inp: CheckoutInput) -> dict:
        order = self.store.get_or_create(inp.order_id, inp.amount, inp.currency, inp.locale)
        if not order.checkout_lock.acquire(timeout=self.flow.budget_s):
            # An earlier submit of this order is still with the gateway: never start a second payment.
            return {**order.answer(), "status": "pending", "message": message("pending", inp.locale)}
        try:
            with self.store.lock:
                order.locale = inp.locale
                if order.status in ("paid", "pending", "canceled", "refunded") or (
                        order.status == "failed" and order.failure_fingerprint == inp.fingerprint):
                    return self._localized(order)
                order.amount, order.currency = inp.amount, inp.currency
                order.attempt += 1
                order.reason, order.alternatives = "pending", []
                order.set_status("pending", f"checkout attempt {order.attempt}")
            outcome = self.flow.pay(inp, f"{inp.order_id}.{order.attempt}.{self._nonce}")
            self._apply(order, inp, outcome)
            return self._localized(order)
        finally:
            order.checkout_lock.release()

    def _apply(self, order: Order, inp: CheckoutInput, outcome: Outcome) -> None:
        if outcome.status == "paid":
            self._record_paid(order, outcome.payment_intent, outcome.gateway)
        else:
            with self.store.lock:
                if order.status == "pending":   # a webhook may have settled it meanwhile
                    order.reason = outcome.reason
                    order.alternatives = outcome.alternatives
                    order.payment_intent = outcome.payment_intent or order.payment_intent
                    order.gateway = outcome.gateway or order.gateway
                    if outcome.status == "failed":
                        order.failure_fingerprint = inp.fingerprint if outcome.hard else None
                        order.set_status("failed", outcome.reason)
        watch = set(outcome.watch)
        if outcome.status == "pending":
            watch |= set(self.flow.gateways)
        if watch:
            self.reconciler.watch(order.order_id, watch)

    def _localized(self, order: Order) -> dict:
        reason = order.reason if order.reason in MESSAGES else order.status
        order.message = message(reason, order.locale) if reason in MESSAGES else ""
        return order.answer()

    # -- money showing up --------------------------------------------------------------------
    def _record_paid(self, order: Order, pi_id: str | None, gateway: str | None) -> bool:
        """Note a successful charge; fulfil on the first. True when this charge must be refunded."""
        with self.store.lock:
            if order.status in ("new", "pending"):
                order.payment_intent, order.gateway = pi_id, gateway
                order.reason, order.alternatives = "paid", []
                order.set_status("paid", f"{pi_id} on {gateway}")
                order.fulfilled += 1
                log.info("order %s paid (%s on %s): fulfilled", order.order_id, pi_id, gateway)
                return False
            if pi_id == order.payment_intent and order.status in ("paid", "refunded"):
                return False
            return pi_id not in self._refunded

    def _refund(self, order: Order, pi_id: str, gateway: str | None) -> bool:
        names = [gateway] if gateway else list(self.flow.gateways)
        for name in names:
            if self.flow.refund(name, pi_id):
                with self._refund_lock:
                    self._refunded.add(pi_id)
                with self.store.lock:
                    if order.status == "canceled":
                        order.refunded += order.amount
                        order.reason = "refunded"
                        order.set_status("refunded", f"refunded {pi_id}")
                    else:
                        order.history.append((time.time(), f"refunded orphan {pi_id}"))
                log.info("order %s: refunded %s on %s", order.order_id, pi_id, name)
                return True
        return False

    # -- cancel ------------------------------------------------------------------------------
    def cancel(self, order_id: str) -> dict | None:
        order = self.store.get(order_id)
        if order is None:
            return None
        got_lock = order.checkout_lock.acquire(timeout=self.flow.budget_s)
        try:
            with self.store.lock:
                previous = order.status
                if previous in ("canceled", "refunded"):
                    return self._localized(order)
                order.reason = "canceled"
                order.alternatives = []
                order.set_status("canceled", f"canceled by the customer (was {previous})")
            if previous == "paid" and order.payment_intent:
                if not self._refund(order, order.payment_intent, order.gateway):
                    with self.store.lock:
                        order.reason = "refund_pending"
                    self.reconciler.watch(order_id, {order.gateway or self.flow.primary.name})
            elif previous == "pending" or not got_lock:
                # Its payment may still land: the reconciler refunds whatever turns up.
                self.reconciler.watch(order_id, set(self.flow.gateways))
            return self._localized(order)
        finally:
            if got_lock:
                order.checkout_lock.release()

    # -- webhooks ----------------------------------------------------------------------------
    def on_event(self, event: dict) -> None:
        """A verified event ({id, type, data: {object}}, webhooks.read_event)."""
        obj = event["data"]["object"]
        event_id, event_type = event["id"], event.get("type")
        metadata = obj.get("metadata") or {}
        order = self.store.get(metadata.get("order_id") or "")
        if order is None:
            log.info("webhook %s %s: no order of ours", event_id, event_type)
            return
        if event_type == "payment_intent.succeeded":
            if self._record_paid(order, obj.get("id"), None):
                self.reconciler.watch(order.order_id, set(self.flow.gateways))
        elif event_type == "payment_intent.payment_failed":
            err = obj.get("last_payment_error") or {}
            with self.store.lock:
                if order.status == "pending" and not order.checkout_lock.locked() and \
                        order.payment_intent in (None, obj.get("id")):
                    order.reason = decline_reason(err.get("code"), err.get("decline_code"))
                    order.set_status("failed", f"webhook {event_id}")
        elif event_type == "charge.refunded":
            with self.store.lock:
                if obj.get("payment_intent") == order.payment_intent and order.status in ("paid", "canceled"):
                    order.refunded = max(order.refunded, obj.get("amount_refunded") or order.amount)
                    order.reason = "refunded"
                    order.set_status("refunded", f"webhook {event_id}")

    # -- reconciliation ----------------------------------------------------------------------
    def reconcile_order(self, order_id: str, gateways: set[str], age_s: float) -> bool:
        order = self.store.get(order_id)
        if order is None:
            return True
        if order.checkout_lock.locked():
            return False
        settled = True
        for name in sorted(gateways):
            found = find_order_intents(self.flow.gateways[name], order_id, self.lookup_timeout_s)
            if not found.reachable:
                settled = False
                continue
            for pi in found.paid:
                if self._record_paid(order, pi.get("id"), name) and not self._refund(order, pi.get("id"), name):
                    settled = False
            decline = found.last_decline()
            with self.store.lock:
                if order.status == "pending" and decline and not found.paid and age_s >= self.quiet_s:
                    order.reason = decline_reason(*decline)
                    order.set_status("failed", "reconciled: declined")
        with self.store.lock:
            if order.status == "pending" and settled and age_s >= self.quiet_s:
                # Every gateway answers and none charged: the payment did not happen.
                order.reason, order.alternatives = "unavailable", list(OTHER_METHODS)
                order.set_status("failed", "reconciled: no charge found")
            if order.status == "canceled" and order.payment_intent and order.reason == "refund_pending":
                settled = False
        return settled and age_s >= self.quiet_s
