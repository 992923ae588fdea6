"""`/_sim/ledger`: the money that actually moved, in the shape docs/ARCHITECTURE.md fixes.

"captured" is money that reached the merchant (a charge's amount_captured); "refunded" is the sum
of succeeded refunds; net = captured - refunded. by_metadata groups by every metadata key of the
intent behind each charge; every intent and metadata value appears, with zeros when no money
moved, and "charges" counts the charges that captured money (two for one order is a double charge).
"""

from __future__ import annotations

from collections import defaultdict

from paychaos.gateway.money import MoneyBook

PI_FIELDS = ("id", "amount", "currency", "status", "capture_method", "payment_method", "metadata",
             "amount_received", "amount_capturable", "latest_charge", "customer", "receipt_email", "created")
CHARGE_FIELDS = ("id", "payment_intent", "amount", "amount_captured", "amount_refunded", "captured",
                 "refunded", "paid", "status", "metadata", "customer", "receipt_email", "created")
CUSTOMER_FIELDS = ("id", "email", "name", "metadata", "created")
REFUND_FIELDS = ("id", "charge", "payment_intent", "amount", "status", "created")
CHECKOUT_FIELDS = ("id", "status", "payment_status", "payment_intent", "setup_intent", "client_reference_id",
                   "metadata", "amount_total", "currency", "mode", "created")


def _pick(obj: dict, fields: tuple[str, ...]) -> dict:
    return {f: obj.get(f) for f in fields}


def build(gw) -> dict:
    store = gw.store
    refunded_by_charge: dict[str, int] = defaultdict(int)
    for refund in store.refunds.values():
        if refund["status"] == "succeeded":
            refunded_by_charge[refund["charge"]] += refund["amount"]

    money = MoneyBook()
    for pi in store.payment_intents.values():  # every intent and order appears, money or not
        money.intent(pi["id"], pi["currency"], pi["metadata"])
    for charge in store.charges.values():
        captured = charge["amount_captured"]
        refunded = refunded_by_charge.get(charge["id"], 0)
        if not captured and not refunded:
            continue
        pi_id = charge["payment_intent"]   # None: a legacy charge (POST /v1/charges) has no intent
        pi = store.payment_intents.get(pi_id) if pi_id else None
        money.charge(captured, refunded, charge["currency"], pi_id, pi["metadata"] if pi else charge["metadata"])

    records = gw.idempotency.records.values()
    return {
        "payment_intents": [_pick(pi, PI_FIELDS) for pi in store.payment_intents.values()],
        "charges": [_pick(c, CHARGE_FIELDS) for c in store.charges.values()],
        "refunds": [_pick(r, REFUND_FIELDS) for r in store.refunds.values()],
        "customers": [_pick(c, CUSTOMER_FIELDS) for c in store.customers.values()],
        "checkout_sessions": [_pick(cs, CHECKOUT_FIELDS) for cs in store.checkout_sessions.values()],
        "money": money.to_dict(),
        "idempotency": {"count": len(gw.idempotency.records),
                        "records": [{"key": r.key, "endpoint": r.endpoint, "status": r.status, "created": r.created}
                                    for r in records]},
        "requests": {"total": store.requests_total, "api": store.requests_api, "hosted": store.requests_hosted,
                     "by_endpoint": dict(store.requests_by_endpoint)},
        "webhooks": gw.webhooks.stats(),
    }
