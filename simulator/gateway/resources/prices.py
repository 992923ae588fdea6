"""Prices: create (for a `product` or with `product_data`), retrieve, update, list.

`unit_amount` in the currency's smallest unit; a `recurring` hash makes the price recurring (kept,
shown, but Checkout here sells one-time prices only: subscriptions are not simulated)."""

from __future__ import annotations

import time

from paychaos.gateway.errors import ParamError, lookup, missing
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import (
    EXPAND,
    AnyHash,
    Bool,
    Currency,
    Enum,
    Hash,
    Int,
    ListOf,
    Metadata,
    Str,
    check,
)
from paychaos.gateway.resources import products
from paychaos.gateway.routing import Call, Route

MAX_AMOUNT = 99_999_999
PRODUCT_DATA = Hash({"name": Str(250).req(), "description": Str(40000), "images": ListOf(Str(2048), 8),
                     "metadata": Metadata(), "active": Bool(), "statement_descriptor": Str(22),
                     "unit_label": Str(12), "tax_code": Str(255), "id": Str(255)})
RECURRING = Hash({"interval": Enum("day", "week", "month", "year").req(), "interval_count": Int(1, 1000),
                  "usage_type": Enum("licensed", "metered"), "aggregate_usage": Str(20), "meter": Str(255),
                  "trial_period_days": Int(0, 730)})
_DATA_PARAMS = {"currency": Currency().req(), "unit_amount": Int(0, MAX_AMOUNT),
                "unit_amount_decimal": Str(30, r"[0-9]+(\.[0-9]+)?", "a decimal amount"),
                "recurring": RECURRING, "tax_behavior": Enum("exclusive", "inclusive", "unspecified"),
                "metadata": Metadata()}


def get(gw, ident: str, param: str = "id") -> dict:
    return lookup(gw.store.prices, "price", ident, param)


def new(gw, p: dict, prefix: str = "", ident: str | None = None) -> dict:
    """A Price from checked params: `product` (an existing id) or `product_data`, `unit_amount`, `currency`.
    `ident`: the id it gets (a catalogue's seeded Price), else a new one."""
    where = (lambda name: f"{prefix}[{name}]") if prefix else (lambda name: name)
    if "product" in p and "product_data" in p:
        raise ParamError("You may only specify one of these parameters: product, product_data.",
                         where("product_data"))
    if "product_data" in p:
        product_id = products.new(gw, p["product_data"])["id"]
    elif "product" in p:
        if gw.store.products.get(p["product"]) is None:
            raise missing("product", p["product"], where("product"))
        product_id = p["product"]
    else:
        raise ParamError(f"Missing required param: {where('product')} (or {where('product_data')}).",
                         where("product"), "parameter_missing")
    amount = p.get("unit_amount")
    if amount is None and "unit_amount_decimal" in p:
        amount = int(float(p["unit_amount_decimal"]))
    if amount is None and p.get("custom_unit_amount") is None:
        raise ParamError(f"Missing required param: {where('unit_amount')}.", where("unit_amount"), "parameter_missing")
    recurring = p.get("recurring")
    if recurring is not None:
        recurring = {"interval": recurring["interval"], "interval_count": recurring.get("interval_count", 1),
                     "usage_type": recurring.get("usage_type", "licensed"), "meter": None,
                     "trial_period_days": recurring.get("trial_period_days"), "aggregate_usage": None}
    price = {
        "id": ident or gw.store.new_id("price"), "object": "price", "active": p.get("active", True),
        "billing_scheme": "per_unit", "created": int(time.time()), "currency": p["currency"],
        "custom_unit_amount": None, "livemode": False, "lookup_key": p.get("lookup_key"),
        "metadata": p.get("metadata", {}), "nickname": p.get("nickname"), "product": product_id,
        "recurring": recurring, "tax_behavior": p.get("tax_behavior", "unspecified"), "tiers_mode": None,
        "transform_quantity": None, "type": "recurring" if recurring else "one_time", "unit_amount": amount,
        "unit_amount_decimal": str(amount) if amount is not None else None,
    }
    return gw.store.prices.add(price)


def create(gw, call: Call) -> dict:
    price = new(gw, call.params)
    gw.store.emit("price.created", price, call.request_id, call.idempotency_key)
    return price


def checked_data(data, name: str) -> dict:
    """`price_data` of a Checkout line item, checked like a Price's own parameters."""
    if not isinstance(data, dict):
        raise ParamError(f"Invalid object: {name} must be a hash ({name}[key]=...)", name)
    return check({**_DATA_PARAMS, "product": Str(255), "product_data": PRODUCT_DATA}, data, prefix=name)


def update(gw, call: Call) -> dict:
    price = get(gw, call.args[0])
    p = call.params
    if "metadata" in p:
        price["metadata"] = merge_metadata(price["metadata"], p["metadata"])
    for field in ("active", "nickname", "lookup_key", "tax_behavior"):
        if field in p:
            price[field] = p[field]
    gw.store.emit("price.updated", price, call.request_id, call.idempotency_key)
    return price


def retrieve(gw, call: Call) -> dict:
    return get(gw, call.args[0])


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    result = narrowed(page_of(store.prices, p, "/v1/prices"), p, "product", "active", "currency", "type")
    if "lookup_keys" in p:
        result["data"] = [x for x in result["data"] if x["lookup_key"] in p["lookup_keys"]]
    return result


ROUTES = [
    Route("POST", "/v1/prices", {**_DATA_PARAMS, "product": Str(255), "product_data": PRODUCT_DATA,
                                 "active": Bool(), "nickname": Str(250), "lookup_key": Str(200),
                                 "transfer_lookup_key": Bool(), "billing_scheme": Enum("per_unit", "tiered"),
                                 "custom_unit_amount": AnyHash(), "currency_options": AnyHash(),
                                 "expand": EXPAND}, create),
    Route("GET", "/v1/prices/{id}", {"expand": EXPAND}, retrieve),
    Route("POST", "/v1/prices/{id}", {"active": Bool(), "nickname": Str(250), "lookup_key": Str(200),
                                      "metadata": Metadata(), "tax_behavior": Enum("exclusive", "inclusive",
                                                                                   "unspecified"),
                                      "transfer_lookup_key": Bool(), "expand": EXPAND}, update),
    Route("GET", "/v1/prices", {**LIST_PARAMS, "product": Str(255), "active": Bool(), "currency": Currency(),
                                "type": Enum("one_time", "recurring"), "lookup_keys": ListOf(Str(200)),
                                "recurring": AnyHash()}, list_),
]
