"""The order book: Lantern mints its own order ids (LB-1001, LB-1002, ...) and keeps each order's state."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

# Lantern's own state words.
COMPLETE, DECLINED, PROCESSING, CANCELLED, REFUNDED = "complete", "declined", "processing", "cancelled", "refunded"


@dataclass
class Order:
    id: str
    sku: str
    qty: int
    amount: int
    email: str
    name: str
    state: str = PROCESSING
    shipments: int = 0
    payment_id: str | None = None   # the PaymentIntent (pi_...) or Charge (ch_...) that paid it
    history: list[str] = field(default_factory=list)

    def public(self) -> dict:
        return {"id": self.id, "state": self.state, "shipments": self.shipments}


class OrderBook:
    def __init__(self, first: int = 1001):
        self._numbers = itertools.count(first)
        self._orders: dict[str, Order] = {}
        self.lock = threading.RLock()

    def open(self, sku: str, qty: int, amount: int, email: str, name: str) -> Order:
        with self.lock:
            order = Order(f"LB-{next(self._numbers)}", sku, qty, amount, email, name)
            self._orders[order.id] = order
            return order

    def get(self, order_id: str | None) -> Order | None:
        with self.lock:
            return self._orders.get(order_id or "")

    def set_state(self, order: Order, state: str, why: str) -> None:
        with self.lock:
            order.state = state
            order.history.append(f"{state}: {why}")
