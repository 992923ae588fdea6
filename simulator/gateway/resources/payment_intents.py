"""PaymentIntents: create (with confirm), confirm, capture, cancel, update, retrieve, list, search.

Status machine as stripe-facts.md describes it. A declined confirmation answers 402 card_error
with the intent embedded and leaves it in requires_payment_method with last_payment_error.
"""

from __future__ import annotations

import time

from paychaos.gateway.cards import Outcome
from paychaos.gateway.errors import ParamError, StripeError, lookup, missing, unexpected_state
from paychaos.gateway.listing import LIST_PARAMS, page, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Bool, Currency, Enum, Int, ListOf, Metadata, Str
from paychaos.gateway.resources import alternatives, charges, payment_methods
from paychaos.gateway.resources.search import search_intents
from paychaos.gateway.routing import Call, Route

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action")
MAX_AMOUNT = 99_999_999

_CONFIRM_PARAMS = {
    "payment_method": Str(255), "payment_method_data": payment_methods.PM_DATA,
    "payment_method_options": AnyHash(), "payment_method_types": ListOf(Str(50)),
    "return_url": Str(2048), "off_session": Str(20), "error_on_requires_action": Bool(),
    "mandate_data": AnyHash(), "receipt_email": Str(800), "setup_future_usage": Enum("on_session", "off_session", ""),
    "shipping": AnyHash(), "use_stripe_sdk": Bool(), "capture_method": Enum("automatic", "automatic_async", "manual"),
    "radar_options": AnyHash(), "expand": EXPAND,
}
# What stripe.js adds to a browser's confirm: accepted and ignored.
BROWSER_CONFIRM = {"client_secret": Str(500), "expected_payment_method_type": Str(50),
                   "client_context": AnyHash(), "client_attribution_metadata": AnyHash()}
_UPDATE_PARAMS = {
    "amount": Int(1, MAX_AMOUNT), "currency": Currency(), "customer": Str(255), "description": Str(),
    "metadata": Metadata(), "payment_method": Str(255), "payment_method_types": ListOf(Str(50)),
    "payment_method_data": payment_methods.PM_DATA, "payment_method_options": AnyHash(),
    "receipt_email": Str(800), "setup_future_usage": Enum("on_session", "off_session", ""),
    "shipping": AnyHash(), "statement_descriptor": Str(22), "statement_descriptor_suffix": Str(22),
    "transfer_group": Str(255), "capture_method": Enum("automatic", "automatic_async", "manual"),
    "application_fee_amount": Int(0), "transfer_data": AnyHash(), "expand": EXPAND,
}
_CREATE_PARAMS = {
    **_UPDATE_PARAMS, **_CONFIRM_PARAMS,
    "amount": Int(1, MAX_AMOUNT).req(), "currency": Currency().req(), "confirm": Bool(),
    "confirmation_method": Enum("automatic", "manual"), "automatic_payment_methods": AnyHash(),
    "on_behalf_of": Str(255), "payment_method_configuration": Str(255), "confirmation_token": Str(255),
}


def get(gw, ident: str, param: str = "id") -> dict:
    return lookup(gw.store.payment_intents, "payment_intent", ident, param)


def create(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    customer = p.get("customer")
    if customer is not None and store.customers.get(customer) is None:
        raise missing("customer", customer, "customer")
    pi_id = store.new_id("pi")
    metadata = p.get("metadata", {})
    pi = {
        "id": pi_id, "object": "payment_intent", "amount": p["amount"], "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
        "application_fee_amount": p.get("application_fee_amount"),
        "automatic_payment_methods": p.get("automatic_payment_methods"),
        "canceled_at": None, "cancellation_reason": None,
        "capture_method": p.get("capture_method", "automatic_async"),
        "client_secret": f"{pi_id}_secret_{store.ids.new('s', 16)[2:]}",
        "confirmation_method": p.get("confirmation_method", "automatic"), "created": int(time.time()),
        "currency": p["currency"], "customer": customer, "description": p.get("description"),
        "last_payment_error": None, "latest_charge": None, "livemode": False, "metadata": metadata,
        "next_action": None, "on_behalf_of": p.get("on_behalf_of"), "payment_method": None,
        "payment_method_options": p.get("payment_method_options", {}),
        "payment_method_types": p.get("payment_method_types") or ["card"],
        "processing": None, "receipt_email": p.get("receipt_email"), "review": None,
        "setup_future_usage": p.get("setup_future_usage") or None, "shipping": p.get("shipping"),
        "statement_descriptor": p.get("statement_descriptor"),
        "statement_descriptor_suffix": p.get("statement_descriptor_suffix"),
        "status": "requires_payment_method", "transfer_data": p.get("transfer_data"),
        "transfer_group": p.get("transfer_group"),
    }
    explicit_types = "payment_method_types" in p
    store.payment_intents.add(pi)
    gw.store.explicit_types[pi_id] = explicit_types
    for key, value in metadata.items():
        store.pi_by_metadata[(key, value)].append(pi_id)
    if customer:
        store.pi_by_customer[customer].append(pi_id)
    _attach_method(gw, pi, p)
    store.emit("payment_intent.created", pi, call.request_id, call.idempotency_key)
    if p.get("confirm"):
        return _confirm(gw, pi, p, call)
    return pi


def _attach_method(gw, pi: dict, p: dict) -> None:
    """Set the intent's payment_method from `payment_method` or `payment_method_data`."""
    pm = payment_methods.named_in(gw, p)
    if pm is None:
        return
    if pm["type"] not in pi["payment_method_types"]:
        if gw.store.explicit_types.get(pi["id"]):
            raise StripeError(
                400, "invalid_request_error",
                f"The PaymentMethod provided ({pm['type']}) is not allowed for this PaymentIntent. Please "
                f"attach a PaymentMethod of one of the following types: {', '.join(pi['payment_method_types'])}.",
                code="payment_intent_incompatible_payment_method", param="payment_method")
        pi["payment_method_types"] = [*pi["payment_method_types"], pm["type"]]
    pi["payment_method"] = pm["id"]
    if pi["status"] == "requires_payment_method":
        pi["status"] = "requires_confirmation"


def check_client_secret(obj: dict, call: Call) -> None:
    """A browser (publishable key) names the object by its client_secret; a wrong one is refused."""
    given = call.params.get("client_secret")
    kind = "PaymentIntent" if obj["object"] == "payment_intent" else "SetupIntent"
    if given is None:
        if call.publishable:
            raise ParamError(f"Missing required param: client_secret. A publishable key may use a {kind} only "
                             f"with its client_secret.", "client_secret", "parameter_missing")
        return
    if given != obj["client_secret"]:
        raise StripeError(400, "invalid_request_error", f"The client_secret provided does not match the "
                          f"client_secret associated with the {kind}.", code="parameter_invalid",
                          param="client_secret")


def _check_browser_may_use(pi: dict, call: Call) -> None:
    """A publishable key (the browser) needs the client_secret, and may not touch an intent its server
    confirms itself (confirmation_method=manual)."""
    check_client_secret(pi, call)
    if call.publishable and pi["confirmation_method"] == "manual":
        raise StripeError(400, "invalid_request_error", "This PaymentIntent has confirmation_method=manual: only "
                          "your server (a secret key) may confirm it; the browser may only handle its next_action.",
                          param="client_secret")


def confirm(gw, call: Call) -> dict:
    pi = get(gw, call.args[0])
    _check_browser_may_use(pi, call)
    return _confirm(gw, pi, call.params, call, attach=True)


def _confirm(gw, pi: dict, p: dict, call: Call, attach: bool = False) -> dict:
    if pi["status"] not in CONFIRMABLE:
        raise unexpected_state(pi, "confirmed", CONFIRMABLE)
    if attach:
        _attach_method(gw, pi, p)
        for field in ("receipt_email", "shipping", "capture_method"):
            if field in p:
                pi[field] = p[field]
        if "payment_method_options" in p:
            pi["payment_method_options"] = p["payment_method_options"]
    if pi["payment_method"] is None:
        raise StripeError(
            400, "invalid_request_error",
            "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "
            "PaymentIntent with a customer's saved payment method, include payment_method.",
            code="payment_intent_unexpected_state", param="payment_method")
    pm = gw.store.payment_methods.get(pi["payment_method"])
    pi["last_payment_error"] = None
    pi["next_action"] = None
    if pm["type"] != "card":
        return alternatives.start(gw, pi, pm, p, call)
    outcome = gw.store.outcomes.get(pm["id"])
    off_session = p.get("off_session") not in (None, "false", "")
    if outcome is not None and outcome.requires_action:
        if off_session and outcome.set_up_exempts and pm["id"] in gw.store.set_up:
            return succeed(gw, pi, pm, call)  # set up for off-session use: no new authentication
        if off_session:
            return decline(gw, pi, pm, call, "authentication_required", "authentication_required",
                           "Your card was declined. This transaction requires authentication.", "try_again_later")
        return alternatives.require_3ds(gw, pi, p, call)
    if outcome is not None and outcome.declines:
        return decline(gw, pi, pm, call, outcome.code, outcome.decline_code, outcome.message,
                       outcome.advice_code, outcome)
    return succeed(gw, pi, pm, call)


def succeed(gw, pi: dict, pm: dict, call: Call) -> dict:
    """The payment went through: a charge, then succeeded or (manual capture) requires_capture."""
    store = gw.store
    manual = pi["capture_method"] == "manual"
    charge = charges.make(gw, pi, pm, None, captured=not manual)
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    rid, key = call.request_id, call.idempotency_key
    if manual:
        pi["status"] = "requires_capture"
        pi["amount_capturable"] = pi["amount"]
        store.emit("charge.succeeded", charge, rid, key)
        store.emit("payment_intent.amount_capturable_updated", pi, rid, key)
    else:
        pi["status"] = "succeeded"
        pi["amount_received"] = pi["amount"]
        store.emit("charge.succeeded", charge, rid, key)
        store.emit("payment_intent.succeeded", pi, rid, key)
    if pi["setup_future_usage"] and pi["customer"]:
        _save_for_later(gw, pi, pm, call)
    return pi


def _save_for_later(gw, pi: dict, pm: dict, call: Call) -> None:
    """`setup_future_usage` with a customer: the card is attached and (off_session) set up for reuse."""
    store = gw.store
    if pi["setup_future_usage"] == "off_session":
        store.set_up.add(pm["id"])
    if pm["customer"] is None:
        pm["customer"] = pi["customer"]
        store.pm_by_customer[pi["customer"]].append(pm["id"])
        store.emit("payment_method.attached", pm, call.request_id, call.idempotency_key)


def decline(gw, pi: dict, pm: dict, call: Call, code: str, decline_code: str | None, message: str,
            advice_code: str | None, outcome=None) -> dict:
    """The issuer said no: a failed charge, last_payment_error, and a 402 card_error."""
    store = gw.store
    charge = charges.make(gw, pi, pm, outcome or Outcome(code, decline_code, message, advice_code), False)
    error = {"type": "card_error", "code": code, "message": message, "charge": charge["id"],
             "doc_url": f"https://stripe.com/docs/error-codes/{code}", "payment_method": dict(pm),
             "decline_code": decline_code, "advice_code": advice_code}
    pi["status"] = "requires_payment_method"
    pi["latest_charge"] = charge["id"]
    pi["last_payment_error"] = error
    pi["payment_method"] = None
    store.emit("charge.failed", charge, call.request_id, call.idempotency_key)
    store.emit("payment_intent.payment_failed", pi, call.request_id, call.idempotency_key)
    raise StripeError(402, "card_error", message, code=code, decline_code=decline_code,
                      advice_code=advice_code, payment_intent=dict(pi), payment_method=dict(pm),
                      charge=charge["id"], should_retry=False)


def capture(gw, call: Call) -> dict:
    pi = get(gw, call.args[0])
    if pi["status"] != "requires_capture":
        raise unexpected_state(pi, "captured", ("requires_capture",))
    amount = call.params.get("amount_to_capture", pi["amount_capturable"])
    if amount > pi["amount_capturable"]:
        raise StripeError(400, "invalid_request_error",
                          f"The amount to capture ({amount}) is greater than the amount capturable "
                          f"({pi['amount_capturable']}).", code="amount_too_large", param="amount_to_capture")
    if "metadata" in call.params:
        _set_metadata(gw, pi, call.params["metadata"])
    charge = gw.store.charges.get(pi["latest_charge"])
    charge["captured"] = True
    charge["amount_captured"] = amount
    pi["status"] = "succeeded"
    pi["amount_received"] = amount
    pi["amount_capturable"] = 0
    gw.store.emit("charge.captured", charge, call.request_id, call.idempotency_key)
    gw.store.emit("payment_intent.succeeded", pi, call.request_id, call.idempotency_key)
    return pi


def cancel(gw, call: Call) -> dict:
    pi = get(gw, call.args[0])
    if pi["status"] not in CANCELABLE:
        raise unexpected_state(pi, "canceled", CANCELABLE)
    if pi["status"] == "requires_capture":  # the authorization is released; no money moved
        charge = gw.store.charges.get(pi["latest_charge"])
        charge["refunded"] = True
        charge["amount_refunded"] = charge["amount"]
    pi["status"] = "canceled"
    pi["canceled_at"] = int(time.time())
    pi["cancellation_reason"] = call.params.get("cancellation_reason")
    pi["amount_capturable"] = 0
    pi["next_action"] = None
    gw.store.emit("payment_intent.canceled", pi, call.request_id, call.idempotency_key)
    return pi


def _set_metadata(gw, pi: dict, metadata: dict) -> None:
    merged = merge_metadata(pi["metadata"], metadata)
    gw.store.index_metadata(pi["id"], pi["metadata"], merged)
    pi["metadata"] = merged


def update(gw, call: Call) -> dict:
    pi = get(gw, call.args[0])
    p = call.params
    if pi["status"] in ("succeeded", "canceled") and set(p) - {"metadata", "description", "expand",
                                                              "receipt_email", "shipping"}:
        raise unexpected_state(pi, "updated", ("requires_payment_method", "requires_confirmation",
                                               "requires_action"))
    if "metadata" in p:
        _set_metadata(gw, pi, p["metadata"])
    if "customer" in p and p["customer"] != pi["customer"]:
        if gw.store.customers.get(p["customer"]) is None:
            raise missing("customer", p["customer"], "customer")
        pi["customer"] = p["customer"]
        gw.store.pi_by_customer[p["customer"]].append(pi["id"])
    if "payment_method_types" in p:
        pi["payment_method_types"] = p["payment_method_types"]
        gw.store.explicit_types[pi["id"]] = True
    for field in ("amount", "currency", "description", "receipt_email", "shipping", "statement_descriptor",
                  "statement_descriptor_suffix", "transfer_group", "capture_method", "payment_method_options",
                  "application_fee_amount", "transfer_data", "setup_future_usage"):
        if field in p:
            pi[field] = p[field]
    _attach_method(gw, pi, p)
    return pi


def retrieve(gw, call: Call) -> dict:
    pi = get(gw, call.args[0])
    _check_browser_may_use(pi, call)
    return pi


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    if "customer" in p:
        return page(store.payment_intents.by_id, store.pi_by_customer.get(p["customer"], []), p,
                    "/v1/payment_intents")
    return page_of(store.payment_intents, p, "/v1/payment_intents")


def search(gw, call: Call) -> dict:
    return search_intents(gw.store, call.params)


ROUTES = [
    Route("POST", "/v1/payment_intents", _CREATE_PARAMS, create, slow=True),
    Route("GET", "/v1/payment_intents/search", {"query": Str(5000).req(), "limit": Int(1, 100), "page": Str(500),
                                                "expand": EXPAND}, search),
    Route("GET", "/v1/payment_intents/{id}", {"client_secret": Str(500), "expand": EXPAND, "is_stripe_sdk": Bool()},
          retrieve, browser=True),
    Route("POST", "/v1/payment_intents/{id}", _UPDATE_PARAMS, update),
    Route("POST", "/v1/payment_intents/{id}/confirm", {**_CONFIRM_PARAMS, **BROWSER_CONFIRM}, confirm,
          slow=True, browser=True),
    Route("POST", "/v1/payment_intents/{id}/capture", {
        "amount_to_capture": Int(1, MAX_AMOUNT), "metadata": Metadata(), "final_capture": Bool(),
        "statement_descriptor": Str(22), "statement_descriptor_suffix": Str(22), "expand": EXPAND,
        "application_fee_amount": Int(0), "transfer_data": AnyHash(),
    }, capture, slow=True),
    Route("POST", "/v1/payment_intents/{id}/cancel", {
        "cancellation_reason": Enum("duplicate", "fraudulent", "requested_by_customer", "abandoned"),
        "expand": EXPAND,
    }, cancel, slow=True),
    Route("GET", "/v1/payment_intents", {**LIST_PARAMS, "customer": Str(255)}, list_),
]
