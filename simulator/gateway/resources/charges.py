"""Charges: made by confirming a PaymentIntent (one per attempt); retrieve and list them."""

from __future__ import annotations

import time

from paychaos.gateway.cards import Outcome
from paychaos.gateway.errors import StripeError, lookup
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Bool, Currency, Int, Metadata, Str
from paychaos.gateway.routing import Call, Route


def make(gw, pi: dict, pm: dict, outcome: Outcome | None, captured: bool) -> dict:
    """Record one payment attempt: a succeeded (possibly uncaptured) or failed charge."""
    store = gw.store
    failed = outcome is not None and outcome.declines
    amount = pi["amount"]
    details = {"type": pm["type"], pm["type"]: pm.get(pm["type"]) or {}}  # shared, read-only
    charge = {
        "id": store.new_id("ch"), "object": "charge", "amount": amount,
        "amount_captured": amount if captured and not failed else 0, "amount_refunded": 0,
        "balance_transaction": None if failed else store.new_id("txn"),
        "captured": captured and not failed, "created": int(time.time()), "currency": pi["currency"],
        "customer": pi["customer"], "description": pi["description"], "disputed": False,
        "failure_code": outcome.code if failed else None,
        "failure_message": outcome.message if failed else None,
        "livemode": False, "metadata": pi["metadata"],
        "outcome": _outcome(outcome), "paid": not failed, "payment_intent": pi["id"],
        "payment_method": pm["id"], "payment_method_details": details,
        "receipt_email": pi.get("receipt_email"), "refunded": False,
        "status": "failed" if failed else "succeeded",
    }
    store.charges.add(charge)
    if pi["id"] is not None:
        store.charges_by_pi[pi["id"]].append(charge["id"])
    return charge


def create(gw, call: Call) -> dict:
    """The legacy Charges API (`source=tok_visa` or a PaymentMethod id): no PaymentIntent behind it."""
    from paychaos.gateway.resources import payment_methods

    p = call.params
    source = p.get("source") or p.get("payment_method")
    if not source:
        raise StripeError(400, "invalid_request_error", "Must provide source or customer.", param="source",
                          code="parameter_missing")
    pm = payment_methods.resolve(gw, source, "source")
    outcome = gw.store.outcomes.get(pm["id"])
    if outcome is not None and outcome.requires_action:
        outcome = Outcome("authentication_required", "authentication_required",
                          "Your card was declined. This transaction requires authentication.", "try_again_later")
    capture = p.get("capture", True)
    intent_like = {"id": None, "amount": p["amount"], "currency": p["currency"], "customer": p.get("customer"),
                   "description": p.get("description"), "metadata": p.get("metadata", {}),
                   "receipt_email": p.get("receipt_email")}
    charge = make(gw, intent_like, pm, outcome, captured=capture)
    rid, key = call.request_id, call.idempotency_key
    if outcome is not None and outcome.declines:
        gw.store.emit("charge.failed", charge, rid, key)
        raise StripeError(402, "card_error", outcome.message, code=outcome.code, decline_code=outcome.decline_code,
                          advice_code=outcome.advice_code, charge=charge["id"], should_retry=False)
    gw.store.emit("charge.succeeded", charge, rid, key)
    return charge


def capture(gw, call: Call) -> dict:
    charge = get(gw, call.args[0])
    if charge["captured"] or not charge["paid"] or charge["refunded"]:
        raise StripeError(400, "invalid_request_error", f"Charge {charge['id']} has already been captured "
                          f"or cannot be captured.", code="charge_already_captured")
    if charge["payment_intent"]:
        raise StripeError(400, "invalid_request_error", "This charge belongs to a PaymentIntent: capture the "
                          f"PaymentIntent {charge['payment_intent']} instead.", code="charge_not_capturable")
    amount = call.params.get("amount", charge["amount"])
    if amount > charge["amount"]:
        raise StripeError(400, "invalid_request_error", f"Amount to capture ({amount}) is greater than the "
                          f"authorized amount ({charge['amount']}).", code="amount_too_large", param="amount")
    charge["captured"] = True
    charge["amount_captured"] = amount
    gw.store.emit("charge.captured", charge, call.request_id, call.idempotency_key)
    return charge


def _outcome(outcome: Outcome | None) -> dict:
    if outcome is None or not outcome.declines:
        return {"network_status": "approved_by_network", "reason": None, "risk_level": "normal",
                "seller_message": "Payment complete.", "type": "authorized", "advice_code": None}
    blocked = outcome.decline_code == "fraudulent"
    return {"network_status": "not_sent_to_network" if blocked else "declined_by_network",
            "reason": outcome.decline_code or outcome.code, "risk_level": "highest" if blocked else "normal",
            "seller_message": "The bank did not return any further details with this decline.",
            "type": "blocked" if blocked else "issuer_declined", "advice_code": outcome.advice_code}


def get(gw, ident: str, param: str = "id") -> dict:
    return lookup(gw.store.charges, "charge", ident, param)


def retrieve(gw, call: Call) -> dict:
    return get(gw, call.args[0])


def update(gw, call: Call) -> dict:
    charge = get(gw, call.args[0])
    for field in ("description", "receipt_email"):
        if field in call.params:
            charge[field] = call.params[field]
    if "metadata" in call.params:
        charge["metadata"] = merge_metadata(charge["metadata"], call.params["metadata"])
    return charge


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    if "payment_intent" in p:
        return page(store.charges.by_id, store.charges_by_pi.get(p["payment_intent"], []), p, "/v1/charges")
    return narrowed(page_of(store.charges, p, "/v1/charges"), p, "customer")


ROUTES = [
    Route("POST", "/v1/charges", {
        "amount": Int(1, 99_999_999).req(), "currency": Currency().req(), "source": Str(255),
        "payment_method": Str(255), "customer": Str(255), "capture": Bool(), "description": Str(),
        "metadata": Metadata(), "receipt_email": Str(800), "statement_descriptor": Str(22),
        "statement_descriptor_suffix": Str(22), "shipping": AnyHash(), "transfer_group": Str(255),
        "expand": EXPAND,
    }, create, slow=True),
    Route("POST", "/v1/charges/{id}/capture", {"amount": Int(1, 99_999_999), "receipt_email": Str(800),
                                               "statement_descriptor": Str(22), "expand": EXPAND}, capture, slow=True),
    Route("GET", "/v1/charges/{id}", {"expand": EXPAND}, retrieve),
    Route("POST", "/v1/charges/{id}", {"description": Str(), "receipt_email": Str(800), "metadata": Metadata(),
                                       "expand": EXPAND}, update),
    Route("GET", "/v1/charges", {**LIST_PARAMS, "payment_intent": Str(255), "customer": Str(255),
                                 "transfer_group": Str(255)}, list_),
]
