"""One view per order, joining the four observations: what the customer was told, the gateway
exchanges made for it, the money the ledgers hold for it, and the merchant's own order state.

Ledger money and journal exchanges are tied to orders by `paychaos.scoring.attribution`, which says
by which route each object was tied (`Order.routes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paychaos.observations import CheckoutResult, Observations
from paychaos.scoring import attribution
from paychaos.scoring import exchanges as ex

# PaymentIntent states that, in a browser flow, wait on the customer's page rather than on the merchant.
AWAITING_CUSTOMER = ("requires_payment_method", "requires_confirmation")
# The webhook events that tell a shop the money is there (Stripe's; Alipay's notification `trade_status`
# TRADE_SUCCESS / TRADE_FINISHED and WeChat Pay's TRANSACTION.SUCCESS, as the journal names them).
PAYMENT_EVENTS = frozenset({"payment_intent.succeeded", "charge.succeeded", "checkout.session.completed",
                            "checkout.session.async_payment_succeeded", "TRADE_SUCCESS", "TRADE_FINISHED",
                            "TRANSACTION.SUCCESS"})


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
    browser: list[dict] = field(default_factory=list)   # the customer's browser's gateway calls (docs/flows/)
    charges: list[Charge] = field(default_factory=list)
    held: int = 0                   # authorised, not captured (requires_capture)
    holds: list[str] = field(default_factory=list)   # the PaymentIntents holding that money, one per authorisation
    in_flight: list[str] = field(default_factory=list)   # intents still processing / requires_action
    state: dict | None = None       # the merchant's order-status answer
    routes: dict[str, str] = field(default_factory=dict)  # gateway object id -> how it was tied to the order

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
        """When the last checkout answer reached the customer: the latest in time, not the last listed (a
        double click's second answer may come first; the first click's calls go on until its own answer)."""
        last = self.last_answer
        if last is None or last.elapsed_s is None or last.status is None:
            return None
        return max(a.started_at + a.elapsed_s for a in self.answers if a.elapsed_s is not None and a.status is not None)

    @property
    def status(self) -> str | None:
        """The merchant's own order status, else what the customer was last told."""
        if self.state and self.state.get("status"):
            return str(self.state["status"])
        return self.told

    @property
    def payment_acknowledged(self) -> bool:
        """A payment event the merchant itself answered 2xx (`upstream_status`: a dropped delivery is
        answered to the gateway by the proxy, never by the merchant): the merchant's server knows the
        money is there."""
        return any((r.get("event") or {}).get("type") in PAYMENT_EVENTS and isinstance(r.get("upstream_status"), int)
                   and 200 <= r["upstream_status"] < 300 and not r.get("forged") for r in self.webhooks)

    @property
    def captured(self) -> int:
        return sum(c.captured for c in self.charges)

    @property
    def authorised(self) -> int:
        """Money the gateway ever approved for the order: captured, held, or held and released since (a
        canceled authorisation's charge keeps status succeeded, uncaptured and refunded)."""
        return sum(c.amount for c in self.charges if c.status == "succeeded")

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
    stray_charges: list[Charge]          # captured money no route ties to an order (money inconclusive)
    stray_exchanges: list[dict]          # gateway calls no order accounts for
    gateway_calls: int                   # every exchange towards a gateway
    excess: list[dict] = field(default_factory=list)   # a customer's captured charges beyond their orders


def _captured(charge: dict) -> int:
    if charge.get("amount_captured") is not None:
        return int(charge["amount_captured"])
    paid = charge.get("captured") and (charge.get("paid") or charge.get("status") == "succeeded")
    return int(charge.get("amount") or 0) if paid else 0


def build(obs: Observations) -> Book:
    """The run's orders with their exchanges and money, tied by `attribution` (cached per Observations)."""
    cached = getattr(obs, "_book", None)
    if cached is not None and cached[0] == (len(obs.checkouts), len(obs.journal), id(obs.ledger)):
        return cached[1]
    book = _build(obs)
    obs._book = ((len(obs.checkouts), len(obs.journal), id(obs.ledger)), book)
    return book


def _build(obs: Observations) -> Book:
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

    keys = attribution.order_keys(obs)
    att = attribution.attribute(obs, keys)
    ledgers = [("primary", obs.ledger or {}), ("backup", obs.backup_ledger or {})]
    for _, ledger in ledgers:
        for pi in ledger.get("payment_intents") or []:
            oid = att.owner.get(pi.get("id"))
            if not oid or oid not in orders:
                continue
            orders[oid].routes[pi["id"]] = att.route[pi["id"]]
            if pi.get("status") == "requires_capture":
                orders[oid].held += int(pi.get("amount_capturable") or 0)
                orders[oid].holds.append(pi["id"])
            elif pi.get("status") in ("processing", "requires_action"):
                orders[oid].in_flight.append(pi["id"])
            elif pi.get("status") in AWAITING_CUSTOMER and obs.shop.flow != "server":
                # In a browser flow an open intent waits on the customer's page (a card refused before
                # any attempt, a page closed): the merchant cannot know more than "pending" (docs/flows/).
                orders[oid].in_flight.append(pi["id"])

    stray_charges: list[Charge] = []
    customer_of: dict[str, str] = {}
    for gateway, ledger in ledgers:
        for raw in ledger.get("charges") or []:
            charge = Charge(id=str(raw.get("id")), gateway=gateway, payment_intent=raw.get("payment_intent"),
                            amount=int(raw.get("amount") or 0), captured=_captured(raw),
                            refunded=int(raw.get("amount_refunded") or 0), status=raw.get("status"))
            if raw.get("customer"):
                customer_of[charge.id] = str(raw["customer"])
            oid = att.owner.get(charge.id)
            if oid and oid in orders:
                orders[oid].charges.append(charge)
                orders[oid].routes[charge.id] = att.route[charge.id]
            elif charge.captured > 0:
                stray_charges.append(charge)

    stray_exchanges: list[dict] = []
    calls = 0
    for rec in sorted(obs.journal, key=ex.started):
        oid = att.exchange_owner.get(rec.get("id"))
        oid = oid if oid in orders else None
        if not ex.to_gateway(rec):
            if oid:
                orders[oid].webhooks.append(rec)
            continue
        if ex.by_browser(rec):   # the customer's own calls: never the merchant's retries or strays
            if oid:
                orders[oid].browser.append(rec)
            continue
        calls += 1
        if oid:
            orders[oid].exchanges.append(rec)
        else:
            stray_exchanges.append(rec)
    excess = _excess_by_customer(orders, stray_charges, customer_of, att, _orders_by_customer(obs, keys))
    explained = {c["id"] for e in excess for c in e["charges"]}
    stray_charges = [c for c in stray_charges if c.id not in explained]
    return Book(orders=orders, stray_charges=stray_charges, stray_exchanges=stray_exchanges,
                gateway_calls=calls, excess=excess)


def _orders_by_customer(obs: Observations, keys: dict[str, attribution.OrderKeys]) -> dict[str, set[str]]:
    """Gateway Customer id -> the run's orders whose customer has that Customer's email."""
    by_email: dict[str, set[str]] = {}
    for oid, k in keys.items():
        if k.email:
            by_email.setdefault(k.email, set()).add(oid)
    out: dict[str, set[str]] = {}
    for ledger in (obs.ledger or {}, obs.backup_ledger or {}):
        for cus in ledger.get("customers") or []:
            email = str(cus.get("email") or "").casefold()
            if cus.get("id") and email in by_email:
                out.setdefault(cus["id"], set()).update(by_email[email])
    return out


def _excess_by_customer(orders: dict[str, Order], stray: list[Charge], customer_of: dict[str, str],
                        att: attribution.Attribution, by_customer: dict[str, set[str]]) -> list[dict]:
    """Per gateway Customer: captured charges (tied or not) beyond the orders that Customer placed
    (a double charge even when no route can say which order the second charge was for)."""
    placed: dict[str, set[str]] = {cus: set(oids) for cus, oids in by_customer.items()}
    for charge_id, cus in customer_of.items():
        oid = att.owner.get(charge_id) or att.owner.get(cus)
        if oid:
            placed.setdefault(cus, set()).add(oid)
    out = []
    for cus, oids in placed.items():
        captured = [c for oid in sorted(oids) for c in orders[oid].captured_charges
                    if customer_of.get(c.id) == cus] + [c for c in stray if c.captured and customer_of.get(c.id) == cus]
        untied = [c for c in stray if c.captured and customer_of.get(c.id) == cus]
        if untied and len(captured) > len(oids):
            out.append({"customer": cus, "order_ids": sorted(oids), "orders": len(oids),
                        "charges": [c.to_dict() for c in captured]})
    return out
