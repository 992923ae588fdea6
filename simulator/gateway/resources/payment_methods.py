"""PaymentMethods: test ids (`pm_card_visa`), raw cards (validated like Stripe), alipay, wechat_pay,
customer_balance; attach and detach."""

from __future__ import annotations

import time

from paychaos.gateway import cards
from paychaos.gateway.errors import ParamError, StripeError, missing
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Enum, Hash, Metadata, Str
from paychaos.gateway.routing import Call, Route

TYPES = ("card", "alipay", "wechat_pay", "customer_balance")
CARD_SPEC = {"number": Str(40), "exp_month": Str(10), "exp_year": Str(10), "cvc": Str(10), "token": Str(255)}
# What stripe.js adds to payment_method_data about the browser: accepted, kept nowhere.
BROWSER_DATA = {name: Str(2048) for name in ("payment_user_agent", "time_on_page", "referrer", "guid", "muid",
                                             "sid", "allow_redisplay")}
PM_DATA = Hash({"type": Enum(*TYPES).req(), "card": Hash(CARD_SPEC), "billing_details": AnyHash(),
                "metadata": Metadata(), "alipay": AnyHash(), "wechat_pay": AnyHash(),
                "customer_balance": AnyHash(), **BROWSER_DATA})


def _new(gw, type_: str, *, customer=None, billing=None, metadata=None, card=None) -> dict:
    pm = {
        "id": gw.store.new_id("pm"), "object": "payment_method", "type": type_,
        "billing_details": {"address": None, "email": None, "name": None, "phone": None, **(billing or {})},
        "created": int(time.time()), "customer": customer, "livemode": False, "metadata": metadata or {},
    }
    pm[type_] = card if card is not None else {}
    return gw.store.payment_methods.add(pm)


def from_card_number(gw, number: str, month: int, year: int, **extra) -> dict:
    pm = _new(gw, "card", card=cards.card_details(number, month, year), **extra)
    gw.store.outcomes[pm["id"]] = cards.outcome_for(number)
    return pm


def from_data(gw, data: dict, prefix: str) -> dict:
    """A new PaymentMethod from `type` + details (raw card validated, or a card token).

    `prefix` names where the details sat (`payment_method_data`), '' for top-level params."""
    type_ = data["type"]
    extra = {"billing": data.get("billing_details"), "metadata": data.get("metadata")}
    if type_ != "card":
        return _new(gw, type_, **extra)
    card_param = f"{prefix}[card]" if prefix else "card"
    card = data.get("card")
    if not card:
        raise ParamError(f"Missing required param: {card_param}.", card_param, "parameter_missing")
    if "token" in card:
        if card["token"] in gw.store.tokens:
            return resolve(gw, card["token"], f"{card_param}[token]")
        number = cards.test_method_number(card["token"])
        if number is None:
            raise missing("token", card["token"], f"{card_param}[token]")
        return from_card_number(gw, number, 12, _year() + 5, **extra)
    number, month, year = cards.validate_raw_card(card, card_param)
    return from_card_number(gw, number, month, year, **extra)


def _year() -> int:
    return time.gmtime().tm_year


def named_in(gw, p: dict) -> dict | None:
    """The PaymentMethod a confirm names by `payment_method` or makes from `payment_method_data` (one of
    them at most); None when it names none."""
    if "payment_method" in p and "payment_method_data" in p:
        raise ParamError("You may only specify one of these parameters: payment_method, payment_method_data.",
                         "payment_method_data")
    if "payment_method" in p:
        return resolve(gw, p["payment_method"])
    if "payment_method_data" in p:
        return from_data(gw, p["payment_method_data"], "payment_method_data")
    return None


def resolve(gw, ident: str, param: str = "payment_method") -> dict:
    """An existing PaymentMethod, or a fresh one made from a test id such as pm_card_visa."""
    pm = gw.store.payment_methods.get(ident)
    if pm is not None:
        return pm
    if ident in gw.store.tokens:
        from paychaos.gateway.resources import tokens  # tokens imports this module
        return tokens.use(gw, ident, param)
    number = cards.test_method_number(ident)
    if number is None:
        raise StripeError(400 if param != "id" else 404, "invalid_request_error",
                          f"No such PaymentMethod: '{ident}'", code="resource_missing", param=param)
    return from_card_number(gw, number, 12, _year() + 5)


def create(gw, call: Call) -> dict:
    p = call.params
    if "payment_method" in p:  # sharing a customer's PaymentMethod (Connect); the same object here
        return resolve(gw, p["payment_method"])
    if "type" not in p:
        raise ParamError("Missing required param: type.", "type", "parameter_missing")
    return from_data(gw, p, "")


def retrieve(gw, call: Call) -> dict:
    return resolve(gw, call.args[0], "id")


def update(gw, call: Call) -> dict:
    pm = resolve(gw, call.args[0], "id")
    if "metadata" in call.params:
        pm["metadata"] = merge_metadata(pm["metadata"], call.params["metadata"])
    if "billing_details" in call.params:
        pm["billing_details"] = {**pm["billing_details"], **call.params["billing_details"]}
    return pm


def attach(gw, call: Call) -> dict:
    pm = resolve(gw, call.args[0], "id")
    cust_id = call.params["customer"]
    if gw.store.customers.get(cust_id) is None:
        raise missing("customer", cust_id, "customer")
    if pm["customer"] == cust_id:
        return pm
    if pm["customer"] is not None:
        raise StripeError(400, "invalid_request_error", "The payment method you provided has already "
                          "been attached to a customer.", code="payment_method_unexpected_state")
    pm["customer"] = cust_id
    gw.store.pm_by_customer[cust_id].append(pm["id"])
    gw.store.emit("payment_method.attached", pm, call.request_id, call.idempotency_key)
    return pm


def detach(gw, call: Call) -> dict:
    pm = resolve(gw, call.args[0], "id")
    if pm["customer"] is None:
        raise StripeError(400, "invalid_request_error", "The payment method you provided is not attached "
                          "to a customer so detachment is impossible.", code="payment_method_unexpected_state")
    ids = gw.store.pm_by_customer.get(pm["customer"], [])
    if pm["id"] in ids:
        ids.remove(pm["id"])
    previous = {"customer": pm["customer"]}
    pm["customer"] = None
    gw.store.emit("payment_method.detached", pm, call.request_id, call.idempotency_key, previous)
    return pm


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    if "customer" in p:
        ids, pos = store.pm_by_customer.get(p["customer"], []), None
    else:
        ids, pos = store.payment_methods.order, store.payment_methods.pos
    return narrowed(page(store.payment_methods.by_id, ids, p, "/v1/payment_methods", pos), p, "type")


_COMMON = {"billing_details": AnyHash(), "metadata": Metadata(), "expand": EXPAND}
ROUTES = [
    Route("POST", "/v1/payment_methods", {
        "type": Enum(*TYPES), "card": Hash(CARD_SPEC), "alipay": AnyHash(), "wechat_pay": AnyHash(),
        "customer_balance": AnyHash(), "customer": Str(255), "payment_method": Str(255), **_COMMON,
        **BROWSER_DATA,
    }, create, browser=True),
    Route("GET", "/v1/payment_methods/{id}", {"expand": EXPAND}, retrieve),
    Route("POST", "/v1/payment_methods/{id}", {**_COMMON, "card": AnyHash()}, update),
    Route("POST", "/v1/payment_methods/{id}/attach", {"customer": Str(255).req(), "expand": EXPAND}, attach),
    Route("POST", "/v1/payment_methods/{id}/detach", {"expand": EXPAND}, detach),
    Route("GET", "/v1/payment_methods", {**LIST_PARAMS, "customer": Str(255), "type": Enum(*TYPES)}, list_),
]
