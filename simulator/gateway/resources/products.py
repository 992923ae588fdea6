"""Products: create, retrieve, update, list. What a Price (and a Checkout line item) sells."""

from __future__ import annotations

import time

from paychaos.gateway.errors import StripeError, lookup
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Bool, ListOf, Metadata, Str
from paychaos.gateway.routing import Call, Route

_COMMON = {"name": Str(250), "description": Str(40000), "active": Bool(), "metadata": Metadata(),
           "images": ListOf(Str(2048), 8), "url": Str(2048), "statement_descriptor": Str(22),
           "unit_label": Str(12), "tax_code": Str(255), "shippable": Bool(), "package_dimensions": AnyHash(),
           "marketing_features": AnyHash(), "expand": EXPAND}


def get(gw, ident: str, param: str = "id") -> dict:
    return lookup(gw.store.products, "product", ident, param)


def new(gw, p: dict, ident: str | None = None) -> dict:
    """A Product from `name` and the optional fields (also for Prices' and Checkout's `product_data`)."""
    now = int(time.time())
    product = {
        "id": ident or gw.store.new_id("prod"), "object": "product", "active": p.get("active", True),
        "created": now, "updated": now, "default_price": None, "description": p.get("description"),
        "images": p.get("images", []), "livemode": False, "marketing_features": [],
        "metadata": p.get("metadata", {}), "name": p["name"], "package_dimensions": None,
        "shippable": p.get("shippable"), "statement_descriptor": p.get("statement_descriptor"),
        "tax_code": p.get("tax_code"), "type": "service", "unit_label": p.get("unit_label"), "url": p.get("url"),
    }
    return gw.store.products.add(product)


def create(gw, call: Call) -> dict:
    from paychaos.gateway.resources import prices  # prices imports this module

    p = call.params
    if "id" in p and gw.store.products.get(p["id"]) is not None:
        raise StripeError(400, "invalid_request_error", f"Product already exists: {p['id']}",
                          code="resource_already_exists", param="id")
    product = new(gw, p, p.get("id"))
    gw.store.emit("product.created", product, call.request_id, call.idempotency_key)
    if "default_price_data" in p:
        price = prices.new(gw, {**p["default_price_data"], "product": product["id"]}, "default_price_data")
        product["default_price"] = price["id"]
        gw.store.emit("price.created", price, call.request_id, call.idempotency_key)
    return product


def update(gw, call: Call) -> dict:
    product = get(gw, call.args[0])
    p = call.params
    if "metadata" in p:
        product["metadata"] = merge_metadata(product["metadata"], p["metadata"])
    for field in ("name", "description", "active", "images", "url", "statement_descriptor", "unit_label",
                  "tax_code", "shippable", "default_price"):
        if field in p:
            product[field] = p[field]
    product["updated"] = int(time.time())
    gw.store.emit("product.updated", product, call.request_id, call.idempotency_key)
    return product


def retrieve(gw, call: Call) -> dict:
    return get(gw, call.args[0])


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    result = narrowed(page_of(store.products, p, "/v1/products"), p, "active")
    if "ids" in p:
        result["data"] = [x for x in result["data"] if x["id"] in p["ids"]]
    return result


ROUTES = [
    Route("POST", "/v1/products", {**_COMMON, "name": Str(250).req(), "id": Str(255, r"[A-Za-z0-9_-]+", "an id"),
                                   "default_price_data": AnyHash(), "type": Str(20)}, create),
    Route("GET", "/v1/products/{id}", {"expand": EXPAND}, retrieve),
    Route("POST", "/v1/products/{id}", {**_COMMON, "default_price": Str(255)}, update),
    Route("GET", "/v1/products", {**LIST_PARAMS, "active": Bool(), "ids": ListOf(Str(255)), "shippable": Bool(),
                                  "url": Str(2048)}, list_),
]
