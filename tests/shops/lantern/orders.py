"""The order book: Lantern mints its own order ids (LB-1001, LB-1002, ...) and keeps each order's state."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass, field

DOUBLE_CLICK_WINDOW_S = 30.0

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
    submit_key: str = ""
    opened_at: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    answer: tuple[int, dict] | None = None   # what the customer was told, for a double click to repeat

    def public(self) -> dict:
        return {"id": self.id, "state": self.state, "shipments": self.shipments}


class OrderBook:
    """In memory, numbered from `first` at every start (a real shop's numbers come from a database sequence
    and never repeat; tests that reuse one gateway reset it between shops, since the keys derive from them)."""

    def __init__(self, first: int = 1001):
        self._numbers = itertools.count(first)
        self._orders: dict[str, Order] = {}
        self.lock = threading.RLock()

    def open(self, sku: str, qty: int, amount: int, email: str, name: str, paying_with: str) -> tuple[Order, bool]:
        """A new order, or (with True) the same customer's identical order placed in the last few seconds:
        a double click on "pay" joins the first order instead of paying twice."""
        submit_key = hashlib.sha256(f"{email}|{sku}|{qty}|{paying_with}".encode()).hexdigest()
        now = time.monotonic()
        with self.lock:
            for order in reversed(self._orders.values()):
                if now - order.opened_at > DOUBLE_CLICK_WINDOW_S:
                    break
                if order.submit_key == submit_key and order.state != DECLINED:
                    return order, True
            order = Order(f"LB-{next(self._numbers)}", sku, qty, amount, email, name,
                          submit_key=submit_key, opened_at=now)
            self._orders[order.id] = order
            return order, False

    def get(self, order_id: str | None) -> Order | None:
        with self.lock:
            return self._orders.get(order_id or "")

    def set_state(self, order: Order, state: str, why: str) -> None:
        with self.lock:
            order.state = state
            order.history.append(f"{state}: {why}")
