"""All of the gateway's state: objects by id, the indexes that keep list/search O(page), events.

Nothing here does O(n) work per request; only the ledger walks everything, on demand.
"""

from __future__ import annotations

import time
from collections import defaultdict

from paychaos.gateway.cards import Outcome
from paychaos.gateway.ids import IdMaker

API_VERSION = "2026-10-28.endive"  # what stripe-python 16.1.0 sends


class Collection:
    """Objects of one kind in creation order, with O(1) lookup of an id's position (for pagination)."""

    def __init__(self):
        self.by_id: dict[str, dict] = {}
        self.order: list[str] = []
        self.pos: dict[str, int] = {}

    def add(self, obj: dict) -> dict:
        self.pos[obj["id"]] = len(self.order)
        self.order.append(obj["id"])
        self.by_id[obj["id"]] = obj
        return obj

    def get(self, ident: str) -> dict | None:
        return self.by_id.get(ident)

    def remove(self, ident: str) -> None:
        # the id stays in `order` (positions keep working); lookups skip it
        self.by_id.pop(ident, None)

    def __len__(self) -> int:
        return len(self.by_id)

    def values(self):
        return self.by_id.values()


class Store:
    def __init__(self, seed: int | None = None):
        self.ids = IdMaker(seed)
        self.clear()

    def clear(self) -> None:
        self.ids.reset()
        self.payment_intents = Collection()
        self.payment_methods = Collection()
        self.charges = Collection()
        self.refunds = Collection()
        self.customers = Collection()
        self.events = Collection()
        self.webhook_endpoints = Collection()
        self.setup_intents = Collection()
        self.products = Collection()
        self.prices = Collection()
        self.checkout_sessions = Collection()
        self.tokens: dict[str, dict] = {}  # tok_ id -> token (its card PaymentMethod in "_pm")
        self.set_up: set[str] = set()  # card PaymentMethods set up for off-session use (SetupIntent)
        self.cs_line_items: dict[str, list[dict]] = {}  # Checkout Session id -> its line items
        self.cs_options: dict[str, dict] = {}  # Checkout Session id -> its payment_intent_data / setup_intent_data
        self.cs_by_intent: dict[str, str] = {}  # PaymentIntent / SetupIntent id -> its Checkout Session
        self.seti_by_customer: dict[str, list[str]] = defaultdict(list)
        # indexes: (key, value) and customer -> intent ids; intent -> charge ids; charge -> refund ids
        self.pi_by_metadata: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.pi_by_customer: dict[str, list[str]] = defaultdict(list)
        self.charges_by_pi: dict[str, list[str]] = defaultdict(list)
        self.refunds_by_charge: dict[str, list[str]] = defaultdict(list)
        self.pm_by_customer: dict[str, list[str]] = defaultdict(list)
        self.events_by_type: dict[str, list[str]] = defaultdict(list)
        self.explicit_types: dict[str, bool] = {}  # intent id -> payment_method_types was given
        self.outcomes: dict[str, Outcome] = {}  # card PaymentMethod id -> what confirming with it does
        self.requests_total = 0
        self.requests_api = 0       # requests outside /_sim: what the merchant (through the proxy) asked
        self.requests_hosted = 0    # the customer's pages (/_3ds/, /pay/; Stripe's paths in forward mode)
        self.requests_by_endpoint: dict[str, int] = defaultdict(int)
        self.request_seq = 0

    def new_id(self, prefix: str) -> str:
        return self.ids.new(prefix)

    def next_request_id(self) -> str:
        self.request_seq += 1
        # Letters around the sequence, as Stripe's ids have: a run of digits in an id must never look
        # like a card number to a merchant's (or paychaos's) card-number detector.
        return f"req_sim{self.request_seq:07d}q"

    def index_metadata(self, pi_id: str, old: dict, new: dict) -> None:
        for key, value in new.items():
            if old.get(key) != value:
                self.pi_by_metadata[(key, value)].append(pi_id)
        for key, value in old.items():
            if new.get(key) != value:
                ids = self.pi_by_metadata.get((key, value))
                if ids and pi_id in ids:
                    ids.remove(pi_id)

    def emit(self, type_: str, obj: dict, request_id: str | None, idempotency_key: str | None,
             previous: dict | None = None) -> dict:
        """Record an event with a snapshot of `obj`; the webhook dispatcher (if any) picks it up."""
        data = {"object": dict(obj)}
        if previous:
            data["previous_attributes"] = previous
        event = {
            "id": self.new_id("evt"), "object": "event", "api_version": API_VERSION,
            "created": int(time.time()), "data": data, "livemode": False, "pending_webhooks": 0,
            "request": {"id": request_id, "idempotency_key": idempotency_key}, "type": type_,
        }
        self.events.add(event)
        self.events_by_type[type_].append(event["id"])
        if self.on_event is not None:
            self.on_event(event)
        return event

    on_event = None
