"""SetupIntents: save a card for later (create, confirm, retrieve, list, cancel).

A succeeded SetupIntent attaches its PaymentMethod to the customer (`payment_method.attached`) and
marks the card as set up: later off-session PaymentIntents with it need no new authentication
(4000002500003155), except for cards that always ask (4000002760003184). 3-D Secure cards wait in
requires_action on the gateway-hosted challenge page (hosted.py), like PaymentIntents.
"""

from __future__ import annotations

import time

from paychaos.gateway.errors import StripeError, lookup, missing, unexpected_state
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Bool, Enum, ListOf, Metadata, Str
from paychaos.gateway.resources import alternatives, payment_methods
from paychaos.gateway.resources.payment_intents import BROWSER_CONFIRM, check_client_secret
from paychaos.gateway.routing import Call, Route

CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
AUTH_FAILED = "The latest attempt to set up the payment method has failed because authentication failed."

_CONFIRM_PARAMS = {
    "payment_method": Str(255), "payment_method_data": payment_methods.PM_DATA,
    "payment_method_options": AnyHash(), "return_url": Str(2048), "use_stripe_sdk": Bool(),
    "mandate_data": AnyHash(), "expand": EXPAND,
}
_UPDATE_PARAMS = {
    "customer": Str(255), "description": Str(), "metadata": Metadata(), "payment_method": Str(255),
    "payment_method_types": ListOf(Str(50)), "payment_method_data": payment_methods.PM_DATA,
    "payment_method_options": AnyHash(), "flow_directions": ListOf(Str(20)), "attach_to_self": Bool(),
    "expand": EXPAND,
}
_CREATE_PARAMS = {
    **_UPDATE_PARAMS, **_CONFIRM_PARAMS, "confirm": Bool(), "usage": Enum("on_session", "off_session"),
    "automatic_payment_methods": AnyHash(), "on_behalf_of": Str(255), "single_use": AnyHash(),
    "payment_method_configuration": Str(255), "confirmation_token": Str(255),
}


def get(gw, ident: str, param: str = "id") -> dict:
    return lookup(gw.store.setup_intents, "setup_intent", ident, param)


def _customer(gw, ident: str | None) -> str | None:
    if ident is not None and gw.store.customers.get(ident) is None:
        raise missing("customer", ident, "customer")
    return ident


def new(gw, p: dict, call: Call) -> dict:
    """Make (and with `confirm`, confirm) a SetupIntent; Checkout's setup mode uses this too."""
    store = gw.store
    customer = _customer(gw, p.get("customer"))
    seti_id = store.new_id("seti")
    si = {
        "id": seti_id, "object": "setup_intent", "application": None,
        "automatic_payment_methods": p.get("automatic_payment_methods"), "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_{store.ids.new('s', 16)[2:]}", "created": int(time.time()),
        "customer": customer, "description": p.get("description"), "flow_directions": p.get("flow_directions"),
        "last_setup_error": None, "latest_attempt": None, "livemode": False, "mandate": None,
        "metadata": p.get("metadata", {}), "next_action": None, "on_behalf_of": p.get("on_behalf_of"),
        "payment_method": None, "payment_method_options": p.get("payment_method_options", {}),
        "payment_method_types": p.get("payment_method_types") or ["card"], "single_use_mandate": None,
        "status": "requires_payment_method", "usage": p.get("usage", "off_session"),
    }
    store.setup_intents.add(si)
    if customer:
        store.seti_by_customer[customer].append(seti_id)
    _set_method(gw, si, p)
    store.emit("setup_intent.created", si, call.request_id, call.idempotency_key)
    if p.get("confirm"):
        return _confirm(gw, si, p, call)
    return si


def create(gw, call: Call) -> dict:
    return new(gw, call.params, call)


def _set_method(gw, si: dict, p: dict) -> None:
    pm = payment_methods.named_in(gw, p)
    if pm is None:
        return
    si["payment_method"] = pm["id"]
    if si["status"] == "requires_payment_method":
        si["status"] = "requires_confirmation"


def confirm(gw, call: Call) -> dict:
    si = get(gw, call.args[0])
    check_client_secret(si, call)
    if si["status"] not in CONFIRMABLE:
        raise unexpected_state(si, "confirmed", CONFIRMABLE)
    _set_method(gw, si, call.params)
    return _confirm(gw, si, call.params, call)


def _confirm(gw, si: dict, p: dict, call: Call) -> dict:
    if si["payment_method"] is None:
        raise StripeError(400, "invalid_request_error", "You cannot confirm this SetupIntent because it's missing "
                          "a payment method. Include payment_method or payment_method_data.",
                          code="setup_intent_unexpected_state", param="payment_method")
    pm = gw.store.payment_methods.get(si["payment_method"])
    si["last_setup_error"] = None
    si["next_action"] = None
    si["latest_attempt"] = gw.store.new_id("setatt")
    outcome = gw.store.outcomes.get(pm["id"])
    if outcome is not None and outcome.requires_action:
        si["next_action"] = alternatives.challenge_action(call, si, p, pm["id"])
        si["status"] = "requires_action"
        gw.store.emit("setup_intent.requires_action", si, call.request_id, call.idempotency_key)
        return si
    if outcome is not None and outcome.declines and outcome.declines_on_setup:
        fail(gw, si, call, outcome.code, outcome.decline_code, outcome.message)
    return succeed(gw, si, call)


def succeed(gw, si: dict, call: Call) -> dict:
    """The card is set up: attached to the customer (if any) and usable off-session."""
    store = gw.store
    pm = store.payment_methods.get(si["payment_method"])
    if si["usage"] == "off_session":  # on_session: saved, but off-session payments still authenticate
        store.set_up.add(pm["id"])
    if si["customer"] and pm["customer"] is None:
        pm["customer"] = si["customer"]
        store.pm_by_customer[si["customer"]].append(pm["id"])
        store.emit("payment_method.attached", pm, call.request_id, call.idempotency_key)
    si["status"] = "succeeded"
    si["next_action"] = None
    store.emit("setup_intent.succeeded", si, call.request_id, call.idempotency_key)
    return si


def fail(gw, si: dict, call: Call, code: str, decline_code: str | None, message: str, raise_: bool = True) -> dict:
    """Setting up failed (declined, or 3-D Secure failed): requires_payment_method with last_setup_error."""
    pm = gw.store.payment_methods.get(si["payment_method"])
    si["status"] = "requires_payment_method"
    si["next_action"] = None
    si["last_setup_error"] = {"type": "card_error", "code": code, "decline_code": decline_code,
                              "message": message, "payment_method": dict(pm),
                              "doc_url": f"https://stripe.com/docs/error-codes/{code}"}
    si["payment_method"] = None
    gw.store.emit("setup_intent.setup_failed", si, call.request_id, call.idempotency_key)
    if raise_:
        raise StripeError(402, "card_error", message, code=code, decline_code=decline_code,
                          setup_intent=dict(si), payment_method=dict(pm), should_retry=False)
    return si


def cancel(gw, call: Call) -> dict:
    si = get(gw, call.args[0])
    if si["status"] not in CONFIRMABLE:
        raise unexpected_state(si, "canceled", CONFIRMABLE)
    si["status"] = "canceled"
    si["next_action"] = None
    si["cancellation_reason"] = call.params.get("cancellation_reason")
    gw.store.emit("setup_intent.canceled", si, call.request_id, call.idempotency_key)
    return si


def update(gw, call: Call) -> dict:
    si = get(gw, call.args[0])
    p = call.params
    if si["status"] in ("succeeded", "canceled") and set(p) - {"metadata", "description", "expand"}:
        raise unexpected_state(si, "updated", CONFIRMABLE)
    if "metadata" in p:
        si["metadata"] = merge_metadata(si["metadata"], p["metadata"])
    if "customer" in p and p["customer"] != si["customer"]:
        si["customer"] = _customer(gw, p["customer"])
        gw.store.seti_by_customer[p["customer"]].append(si["id"])
    for field in ("description", "payment_method_types", "payment_method_options", "flow_directions"):
        if field in p:
            si[field] = p[field]
    _set_method(gw, si, p)
    return si


def retrieve(gw, call: Call) -> dict:
    si = get(gw, call.args[0])
    check_client_secret(si, call)
    return si


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    if "customer" in p:
        result = page(store.setup_intents.by_id, store.seti_by_customer.get(p["customer"], []), p,
                      "/v1/setup_intents")
    else:
        result = page_of(store.setup_intents, p, "/v1/setup_intents")
    return narrowed(result, p, "payment_method")


ROUTES = [
    Route("POST", "/v1/setup_intents", _CREATE_PARAMS, create, slow=True),
    Route("GET", "/v1/setup_intents/{id}", {"client_secret": Str(500), "expand": EXPAND, "is_stripe_sdk": Bool()},
          retrieve, browser=True),
    Route("POST", "/v1/setup_intents/{id}", _UPDATE_PARAMS, update),
    Route("POST", "/v1/setup_intents/{id}/confirm", {**_CONFIRM_PARAMS, **BROWSER_CONFIRM}, confirm, slow=True,
          browser=True),
    Route("POST", "/v1/setup_intents/{id}/cancel", {
        "cancellation_reason": Enum("abandoned", "duplicate", "requested_by_customer"), "expand": EXPAND,
    }, cancel),
    Route("GET", "/v1/setup_intents", {**LIST_PARAMS, "customer": Str(255), "payment_method": Str(255),
                                       "attach_to_self": Bool()}, list_),
]
