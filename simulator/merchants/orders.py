"""The merchant's own order book, in memory, safe across request threads.

Order status is one of new | pending | paid | failed | canceled | refunded (docs/ARCHITECTURE.md).
`fulfilled` counts how often the merchant shipped the order, so double fulfilment is visible.
State changes happen under `OrderStore.lock` (short critical sections); the per-order
`checkout_lock` serialises a customer's concurrent submits of the same order (double click).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

STATUSES = ("new", "pending", "paid", "failed", "canceled", "refunded")


@dataclass
class Order:
    order_id: str
    amount: int
    currency: str
    locale: str = "en"
    status: str = "new"
    reason: str | None = None            # lexicon reason behind the last answer
    message: str = ""
    alternatives: list[str] = field(default_factory=list)
    payment_intent: str | None = None    # the intent that paid (or last tried)
    gateway: str | None = None           # primary | backup: where payment_intent lives
    attempt: int = 0                     # customer submissions that reached the gateway
    fulfilled: int = 0
    refunded: int = 0                    # minor units
    failure_fingerprint: str | None = None  # payment details of the last hard failure
    history: list[tuple[float, str]] = field(default_factory=list)
    checkout_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set_status(self, status: str, note: str = "") -> None:
        assert status in STATUSES, status
        self.status = status
        self.history.append((time.time(), f"{status}{': ' + note if note else ''}"))

    def answer(self) -> dict:
        """What POST /checkout returns for this order."""
        return {"order_id": self.order_id, "status": self.status, "message": self.message,
                "alternatives": list(self.alternatives)}

    def public(self) -> dict:
        """What GET /orders/{id} returns."""
        return {**self.answer(), "amount": self.amount, "currency": self.currency,
                "payment_intent": self.payment_intent, "gateway": self.gateway,
                "fulfilled": self.fulfilled, "refunded": self.refunded,
                "history": [note for _, note in self.history]}


class OrderStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._orders: dict[str, Order] = {}

    def get(self, order_id: str) -> Order | None:
        with self.lock:
            return self._orders.get(order_id)

    def get_or_create(self, order_id: str, amount: int, currency: str, locale: str) -> Order:
        with self.lock:
            order = self._orders.get(order_id)
            if order is None:
                order = self._orders[order_id] = Order(order_id, amount, currency, locale)
            return order

    def all(self) -> list[Order]:
        with self.lock:
            return list(self._orders.values())
