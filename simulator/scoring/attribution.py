"""Which order each gateway object and each gateway exchange belongs to, and by which route.

A merchant need not help: routes are tried in this order, and the first that names exactly one order
wins (docs/scoring.md "How money is tied to orders"):

1. `metadata`         a metadata value equal to the driver's or the merchant's own order id
2. `answer`           the object's id appears in that order's answers only (checkout, order status,
                      a redirect's Location, a client secret)
3. `customer`         the object's Customer (or receipt email) is that order's customer only
4. `idempotency_key`  the call that made it carried an Idempotency-Key naming the order
5. `amount`           its amount is that order's and no other order's
6. `time`             the call that made it ran while only that order's checkout was waiting
                      (else the call that confirmed it)

Money no route ties is `untied`: the scenario's money cannot be judged (inconclusive), it is never
blamed on the merchant. Captured charges of one customer beyond the number of that customer's orders
are `excess`: a double charge whatever the routes say.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from paychaos.common.masking import mask_text
from paychaos.observations import CheckoutResult, Observations
from paychaos.scoring import exchanges as ex

ROUTES = ("metadata", "answer", "customer", "idempotency_key", "amount", "time")

_GATEWAY_ID = re.compile(r"(?<![A-Za-z0-9])(?:pi|ch|cs_test|cs_live|cs|py|seti)_[A-Za-z0-9]{6,}")
_ID_IN_PATH = re.compile(r"/((?:pi|ch|cs|py|seti|cus|re)_[^/?]+)")


@dataclass
class OrderKeys:
    """What identifies one order of the run, as the driver and the merchant know it."""

    order_id: str
    names: set[str] = field(default_factory=set)          # driver's and merchant's order ids
    email: str = ""
    amount: int = 0
    windows: list[tuple[float, float]] = field(default_factory=list)   # when its checkouts waited
    texts: list[str] = field(default_factory=list)        # what the merchant answered about it


@dataclass
class Attribution:
    owner: dict[str, str] = field(default_factory=dict)   # gateway object id -> order id
    route: dict[str, str] = field(default_factory=dict)   # gateway object id -> route that tied it
    exchange_owner: dict[str, str] = field(default_factory=dict)   # journal id -> order id
    exchange_route: dict[str, str] = field(default_factory=dict)   # journal id -> route


def order_keys(obs: Observations) -> dict[str, OrderKeys]:
    keys: dict[str, OrderKeys] = {}
    for result in obs.checkouts:
        k = keys.setdefault(result.order_id, OrderKeys(result.order_id, names={result.order_id}))
        if result.merchant_order_id:
            k.names.add(str(result.merchant_order_id))
        if result.step.startswith("checkout"):
            k.amount = result.amount or k.amount
            k.email = (result.email or k.email).casefold()
            if result.started_at:
                k.windows.append(_window(result))
        k.texts.extend(_answer_texts(result))
    for oid, state in (obs.orders or {}).items():
        if oid in keys and isinstance(state, dict):
            if state.get("merchant_order_id"):
                keys[oid].names.add(str(state["merchant_order_id"]))
            keys[oid].texts.append(json.dumps(state, default=str))
    return keys


def _window(result: CheckoutResult) -> tuple[float, float]:
    end = result.started_at + (result.elapsed_s if result.elapsed_s is not None else 0.0)
    return (result.started_at, end)


def _answer_texts(result: CheckoutResult) -> list[str]:
    texts = [result.body or "", result.message or ""]
    texts += [str(v) for v in (result.headers or {}).values()]
    return [t for t in texts if t]


def _unique(candidates) -> str | None:
    found = set(candidates)
    return found.pop() if len(found) == 1 else None


class _Names:
    """Order ids (driver's and merchant's) -> order, and a search for them in free text."""

    def __init__(self, keys: dict[str, OrderKeys]):
        self.of: dict[str, str] = {}
        clashes: set[str] = set()
        for oid, k in keys.items():
            for name in k.names:
                if self.of.get(name, oid) != oid:
                    clashes.add(name)
                self.of[name] = oid
        for name in clashes:
            del self.of[name]
        names = sorted(self.of, key=len, reverse=True)
        self._search = re.compile("|".join(
            rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])" for n in names)) if names else None

    def in_values(self, values) -> str | None:
        return _unique(self.of[str(v)] for v in values if str(v) in self.of)

    def in_text(self, text: str | None) -> str | None:
        if not text or self._search is None:
            return None
        return _unique(self.of[m.group(0)] for m in self._search.finditer(text))


def _metadata_values(obj: dict) -> list:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return list(meta.values()) if isinstance(meta, dict) else []


def _request_metadata_values(rec: dict) -> list:
    req = ex.request(rec)
    values = _metadata_values(req)
    values += [v for k, v in req.items() if isinstance(k, str) and k.startswith("metadata[")]
    return values


_CONFIRM_PATH = re.compile(r"^/v1/(?:payment_intents|setup_intents)/((?:pi|seti)_[A-Za-z0-9]+)/confirm\b")


def record_object_ids(rec: dict, notified: dict[str, list[str]] | None = None) -> set[str]:
    """Gateway object ids an exchange names: path, request, answer, webhook event (`notified`: what a
    gateway says each of its notifications was about, when the journal cannot read it: WeChat Pay's
    resource is encrypted)."""
    ids = set(_ID_IN_PATH.findall(rec.get("path") or ""))
    req = ex.request(rec)
    for key in ("payment_intent", "charge", "customer"):
        if isinstance(req.get(key), str) and req[key]:
            ids.add(req[key])
    resp = ex.response(rec)
    if isinstance(resp.get("id"), str) and resp["id"]:
        ids.add(resp["id"])
    event = rec.get("event") or {}
    if event.get("object_id"):
        ids.add(str(event["object_id"]))
    if notified and event.get("id"):
        ids.update(notified.get(str(event["id"])) or ())
    return ids


def attribute(obs: Observations, keys: dict[str, OrderKeys] | None = None) -> Attribution:
    keys = keys if keys is not None else order_keys(obs)
    names = _Names(keys)
    att = Attribution()
    ledgers = [obs.ledger or {}, obs.backup_ledger or {}]
    # the journal masks what looks like a card number, in a notification's id too: match either spelling
    notified = {spelling: list(about) for led in ledgers for eid, about in (led.get("notifications") or {}).items()
                if isinstance(about, list) for spelling in (str(eid), mask_text(str(eid)))}
    intents = [pi for led in ledgers for pi in led.get("payment_intents") or [] if pi.get("id")]
    charges = [ch for led in ledgers for ch in led.get("charges") or [] if ch.get("id")]
    emails = {c["id"]: str(c.get("email") or "").casefold() for led in ledgers
              for c in led.get("customers") or [] if c.get("id")}
    orders_by_email: dict[str, set[str]] = defaultdict(set)
    for oid, k in keys.items():
        if k.email:
            orders_by_email[k.email].add(oid)
    journal = sorted((r for r in obs.journal if ex.to_gateway(r)), key=ex.started)

    def tie(obj_id: str, oid: str | None, route: str) -> None:
        if oid and obj_id not in att.owner:
            att.owner[obj_id] = oid
            att.route[obj_id] = route

    objects = intents + charges
    # 1. metadata
    for obj in objects:
        tie(obj["id"], names.in_values(_metadata_values(obj)), "metadata")
    # 2. the merchant's answers
    named_in: dict[str, set[str]] = defaultdict(set)
    for oid, k in keys.items():
        for text in k.texts:
            for obj_id in _GATEWAY_ID.findall(text):
                named_in[obj_id].add(oid)
    for obj in objects:
        tie(obj["id"], _unique(named_in.get(obj["id"], ())), "answer")
    # 3. the customer
    for obj in objects:
        email = emails.get(obj.get("customer") or "") or str(obj.get("receipt_email") or "").casefold()
        tie(obj["id"], _unique(orders_by_email.get(email, ())) if email else None, "customer")
    for cus_id, email in emails.items():
        tie(cus_id, _unique(orders_by_email.get(email, ())) if email else None, "customer")
    # 4. the Idempotency-Key of the call that made or confirmed it
    made_by: dict[str, dict] = {}
    for rec in journal:
        obj_id = ex.response(rec).get("id")
        if isinstance(obj_id, str) and obj_id not in made_by:
            made_by[obj_id] = rec
        oid = names.in_text(rec.get("idempotency_key"))
        if oid:
            for obj_id in record_object_ids(rec) - set(keys):
                if obj_id.startswith(("pi_", "ch_", "py_", "cs_", "seti_")):
                    tie(obj_id, oid, "idempotency_key")
    # charges follow their PaymentIntent
    for ch in charges:
        pi = ch.get("payment_intent")
        if pi and pi in att.owner:
            tie(ch["id"], att.owner[pi], att.route[pi])
    # 5. a unique amount
    amounts = Counter(k.amount for k in keys.values() if k.amount)
    by_amount = {k.amount: oid for oid, k in keys.items() if k.amount and amounts[k.amount] == 1}
    for obj in objects:
        tie(obj["id"], by_amount.get(obj.get("amount")), "amount")
    # 6. the time the call that made it ran, else the call that confirmed it (a page that creates the
    # PaymentIntent when it loads, before the customer's wait starts, confirms it from the browser on Pay)
    confirmed_by: dict[str, dict] = {}
    for rec in journal:
        m = _CONFIRM_PATH.match(rec.get("path") or "")
        if m and ex.to_gateway(rec):
            confirmed_by.setdefault(m.group(1), rec)
    for obj in objects:
        for rec in (made_by.get(obj["id"]), confirmed_by.get(obj["id"])):
            if rec is not None:
                tie(obj["id"], _waiting_at(keys, ex.started(rec)), "time")
    for ch in charges:
        pi = ch.get("payment_intent")
        if pi and pi in att.owner:
            tie(ch["id"], att.owner[pi], att.route[pi])

    # Exchanges: by what they say, else by the objects they name, else by time.
    for rec in obs.journal:
        jid = rec.get("id")
        oid, route = names.in_values(_request_metadata_values(rec)), "metadata"
        if oid is None:
            oid, route = names.in_text(rec.get("idempotency_key")), "idempotency_key"
        if oid is None:
            oid, route = (_unique(att.owner[i] for i in record_object_ids(rec, notified) if i in att.owner),
                          "object")
        if oid is None and rec.get("query"):
            oid, route = names.in_text(unquote_plus(rec["query"])), "metadata"
        if oid is None and isinstance(ex.request(rec).get("amount"), int):
            oid, route = by_amount.get(ex.request(rec)["amount"]), "amount"
        if oid is None and ex.to_gateway(rec):
            oid, route = _waiting_at(keys, ex.started(rec)), "time"
        if oid is not None and jid is not None:
            att.exchange_owner[jid] = oid
            att.exchange_route[jid] = route
    return att


def _waiting_at(keys: dict[str, OrderKeys], t: float) -> str | None:
    """The one order whose checkout was waiting for its answer at t, if only one was."""
    if not t:
        return None
    waiting = {oid for oid, k in keys.items() for start, end in k.windows if start <= t <= end}
    return _unique(waiting)
