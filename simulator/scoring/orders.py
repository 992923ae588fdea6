"""One view per order, joining the four observations: what the customer was told, the gateway
exchanges made for it, the money the ledgers hold for it, and the merchant's own order state.

Ledger money and journal exchanges are tied to an order by `metadata.order_id` when the merchant
sets it; else through the PaymentIntent id; else by the order's amount when no other order has it
(the driver chooses unique amounts for this).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from simulator.observations import CheckoutResult, Observations
from simulator.scoring import exchanges as ex


@dataclass
class Charge:
    """A ledger charge, with the gateway ledger it came from."""

    id: str
    gateway: str            # primary | backup
    payment_intent: str | None
    amount: int
    captured: int           # money that moved to the merchant
    refunded: int
    status: str | None

    def to_dict(self) -> dict:
        return {"id": self.id, "gateway": self.gateway, "amount": self.amount,
                "captured": self.captured, "refunded": self.refunded}


@dataclass
class Order:
    order_id: str
    amount: int = 0
    expected: str = "paid"
    locale: str = "en_US"
    requests: list[CheckoutResult] = field(default_factory=list)   # every request the driver made
    exchanges: list[dict] = field(default_factory=list)            # gateway calls, by start time
    webhooks: list[dict] = field(default_factory=list)             # deliveries to the merchant
    charges: list[Charge] = field(default_factory=list)
    held: int = 0                   # authorised, not captured (requires_capture)
    in_flight: list[str] = field(default_factory=list)   # intents still processing / requires_action
    state: dict | None = None       # the merchant's order-status answer

    @property
    def answers(self) -> list[CheckoutResult]:
        """The checkout answers (a double submit has two), in the order they were asked."""
        found = [r for r in self.requests if r.step.startswith("checkout")]
        return sorted(found, key=lambda r: r.started_at)

    @property
    def cancels(self) -> list[CheckoutResult]:
        return [r for r in self.requests if r.step == "cancel"]

    @property
    def last_answer(self) -> CheckoutResult | None:
        answers = self.answers
        return answers[-1] if answers else None

    @property
    def told(self) -> str | None:
        last = self.last_answer
        return last.status if last else None

    @property
    def answered_at(self) -> float | None:
        """When the last checkout answer reached the customer."""
        last = self.last_answer
        if last is None or last.elapsed_s is None or last.status is None:
            return None
        return last.started_at + last.elapsed_s

    @property
    def status(self) -> str | None:
        """The merchant's own order status, else what the customer was last told."""
        if self.state and self.state.get("status"):
            return str(self.state["status"])
        return self.told

    @property
    def captured(self) -> int:
        return sum(c.captured for c in self.charges)

    @property
    def refunded(self) -> int:
        return sum(c.refunded for c in self.charges)

    @property
    def net(self) -> int:
        return self.captured - self.refunded

    @property
    def captured_charges(self) -> list[Charge]:
        return [c for c in self.charges if c.captured > 0]

    @property
    def charge_attempts(self) -> list[dict]:
        return [r for r in self.exchanges if ex.is_charge_attempt(r)]

    def journal_ids(self, records: list[dict] | None = None) -> list[str]:
        return [r.get("id") for r in (self.exchanges if records is None else records)]

    @property
    def expects_decline(self) -> bool:
        return self.expected.startswith("declined:")

    @property
    def expects_invalid(self) -> bool:
        return self.expected.startswith("invalid:")

    @property
    def expected_code(self) -> str | None:
        return self.expected.split(":", 1)[1] if ":" in self.expected else None


@dataclass
class Book:
    orders: dict[str, Order]
    stray_charges: list[Charge]          # captured money no order accounts for
    stray_exchanges: list[dict]          # gateway calls no order accounts for
    gateway_calls: int                   # every exchange towards a gateway


def _metadata_order(obj: dict | None) -> str | None:
    meta = (obj or {}).get("metadata") or {}
    value = meta.get("order_id") if isinstance(meta, dict) else None
    return str(value) if value else None


def _named_in(text: str, orders: dict[str, Order]) -> str | None:
    """The order whose id the text names (a search query: metadata['order_id']:'ord_1')."""
    text = unquote_plus(text)
    for oid in orders:
        if re.search(rf"(?<![\w-]){re.escape(oid)}(?![\w-])", text):
            return oid
    return None


def _captured(charge: dict) -> int:
    if charge.get("amount_captured") is not None:
        return int(charge["amount_captured"])
    paid = charge.get("captured") and (charge.get("paid") or charge.get("status") == "succeeded")
    return int(charge.get("amount") or 0) if paid else 0


def build(obs: Observations) -> Book:
    orders: dict[str, Order] = {}
    for result in obs.checkouts:
        order = orders.setdefault(result.order_id, Order(result.order_id))
        order.requests.append(result)
        if result.step.startswith("checkout"):
            order.amount = result.amount or order.amount
            order.expected = result.expected or order.expected
            order.locale = result.locale or order.locale
    for oid, state in (obs.orders or {}).items():
        if oid in orders:
            orders[oid].state = state

    amounts = Counter(o.amount for o in orders.values() if o.amount)
    by_amount = {o.amount: oid for oid, o in orders.items() if o.amount and amounts[o.amount] == 1}

    def known(oid: str | None) -> str | None:
        return oid if oid in orders else None

    # PaymentIntent id -> order, from the ledgers and from the exchanges that created intents.
    intent_order: dict[str, str] = {}
    ledgers = [("primary", obs.ledger or {}), ("backup", obs.backup_ledger or {})]
    for _, ledger in ledgers:
        for pi in ledger.get("payment_intents") or []:
            oid = known(_metadata_order(pi)) or by_amount.get(pi.get("amount"))
            if oid and pi.get("id"):
                intent_order[pi["id"]] = oid
    for rec in obs.journal:
        oid = known(ex.order_hint(rec))
        if oid:
            for pi in ex.intent_ids(rec):
                intent_order.setdefault(pi, oid)

    stray_charges: list[Charge] = []
    for gateway, ledger in ledgers:
        for pi in ledger.get("payment_intents") or []:
            oid = intent_order.get(pi.get("id"))
            if not oid:
                continue
            if pi.get("status") == "requires_capture":
                orders[oid].held += int(pi.get("amount_capturable") or 0)
            elif pi.get("status") in ("processing", "requires_action"):
                orders[oid].in_flight.append(pi["id"])
        for raw in ledger.get("charges") or []:
            charge = Charge(id=str(raw.get("id")), gateway=gateway, payment_intent=raw.get("payment_intent"),
                            amount=int(raw.get("amount") or 0), captured=_captured(raw),
                            refunded=int(raw.get("amount_refunded") or 0), status=raw.get("status"))
            oid = (known(_metadata_order(raw)) or intent_order.get(charge.payment_intent or "")
                   or by_amount.get(charge.amount))
            if oid:
                orders[oid].charges.append(charge)
            elif charge.captured > 0:
                stray_charges.append(charge)

    stray_exchanges: list[dict] = []
    calls = 0
    for rec in sorted(obs.journal, key=ex.started):
        oid = known(ex.order_hint(rec)) or next(
            (intent_order[pi] for pi in sorted(ex.intent_ids(rec)) if pi in intent_order), None)
        if oid is None and rec.get("query"):
            oid = _named_in(rec["query"], orders)
        if oid is None and isinstance(ex.request(rec).get("amount"), int):
            oid = by_amount.get(ex.request(rec)["amount"])
        if not ex.to_gateway(rec):
            if oid:
                orders[oid].webhooks.append(rec)
            continue
        calls += 1
        if oid:
            orders[oid].exchanges.append(rec)
        else:
            stray_exchanges.append(rec)
    return Book(orders=orders, stray_charges=stray_charges, stray_exchanges=stray_exchanges,
                gateway_calls=calls)
