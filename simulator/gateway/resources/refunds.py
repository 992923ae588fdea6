"""Refunds: full or partial, by payment_intent or charge; never more than was captured."""

from __future__ import annotations

import time

from paychaos.gateway.errors import ParamError, StripeError, lookup, missing
from paychaos.gateway.listing import LIST_PARAMS, page, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Enum, Int, Metadata, Str
from paychaos.gateway.resources import charges
from paychaos.gateway.routing import Call, Route


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


def _charge_for(gw, p: dict) -> dict:
    if "charge" in p:
        return charges.get(gw, p["charge"], "charge")
    if "payment_intent" not in p:
        raise ParamError("One of the following params should be provided for this request: "
                         "payment_intent or charge.", "payment_intent", "parameter_missing")
    pi = gw.store.payment_intents.get(p["payment_intent"])
    if pi is None:
        raise missing("payment_intent", p["payment_intent"], "payment_intent")
    charge = gw.store.charges.get(pi["latest_charge"]) if pi["latest_charge"] else None
    if charge is None or not charge["paid"]:
        raise StripeError(400, "invalid_request_error",
                          f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                          code="charge_not_refundable", param="payment_intent")
    return charge


def create(gw, call: Call) -> dict:
    p = call.params
    charge = _charge_for(gw, p)
    if not charge["captured"]:
        raise StripeError(400, "invalid_request_error",
                          f"Charge {charge['id']} has not been captured; cancel its PaymentIntent to release "
                          f"the authorization instead.", code="charge_not_refundable")
    refundable = charge["amount_captured"] - charge["amount_refunded"]
    if refundable <= 0:
        raise StripeError(400, "invalid_request_error", f"Charge {charge['id']} has already been refunded.",
                          code="charge_already_refunded")
    amount = p.get("amount", refundable)
    if amount > refundable:
        raise StripeError(400, "invalid_request_error",
                          f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded "
                          f"amount on charge ({_money(refundable, charge['currency'])})",
                          code="amount_too_large", param="amount")
    store = gw.store
    refund = {
        "id": store.new_id("re"), "object": "refund", "amount": amount,
        "balance_transaction": store.new_id("txn"), "charge": charge["id"], "created": int(time.time()),
        "currency": charge["currency"], "metadata": p.get("metadata", {}),
        "payment_intent": charge["payment_intent"], "reason": p.get("reason"), "receipt_number": None,
        "status": "succeeded", "destination_details": None,
    }
    store.refunds.add(refund)
    store.refunds_by_charge[charge["id"]].append(refund["id"])
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    store.emit("refund.created", refund, call.request_id, call.idempotency_key)
    store.emit("charge.refunded", charge, call.request_id, call.idempotency_key)
    return refund


def _get(gw, ident: str) -> dict:
    return lookup(gw.store.refunds, "refund", ident)


def retrieve(gw, call: Call) -> dict:
    return _get(gw, call.args[0])


def update(gw, call: Call) -> dict:
    refund = _get(gw, call.args[0])
    if "metadata" in call.params:
        refund["metadata"] = merge_metadata(refund["metadata"], call.params["metadata"])
    return refund


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    if "charge" in p or "payment_intent" in p:
        charge_ids = [p["charge"]] if "charge" in p else store.charges_by_pi.get(p["payment_intent"], [])
        ids = [r for c in charge_ids for r in store.refunds_by_charge.get(c, [])]
        return page(store.refunds.by_id, ids, p, "/v1/refunds")
    return page_of(store.refunds, p, "/v1/refunds")


ROUTES = [
    Route("POST", "/v1/refunds", {
        "payment_intent": Str(255), "charge": Str(255), "amount": Int(1, 99_999_999),
        "reason": Enum("duplicate", "fraudulent", "requested_by_customer"), "metadata": Metadata(),
        "instructions_email": Str(800), "refund_application_fee": Str(10), "reverse_transfer": Str(10),
        "origin": Str(50), "customer": Str(255), "currency": Str(3), "expand": EXPAND,
        "payment_method_options": AnyHash(),
    }, create, slow=True),
    Route("GET", "/v1/refunds/{id}", {"expand": EXPAND}, retrieve),
    Route("POST", "/v1/refunds/{id}", {"metadata": Metadata(), "expand": EXPAND}, update),
    Route("GET", "/v1/refunds", {**LIST_PARAMS, "charge": Str(255), "payment_intent": Str(255)}, list_),
]
