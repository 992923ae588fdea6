"""Customers: create, retrieve, update, delete, list (optionally by email)."""

from __future__ import annotations

import time

from paychaos.gateway.errors import lookup, missing
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.params import EXPAND, AnyHash, Int, ListOf, Metadata, Str
from paychaos.gateway.resources import payment_methods
from paychaos.gateway.resources.search import search_customers
from paychaos.gateway.routing import Call, Route

_FIELDS = ("name", "email", "description", "phone", "address", "shipping", "invoice_settings",
           "preferred_locales", "balance")


def _get(gw, ident: str) -> dict:
    return lookup(gw.store.customers, "customer", ident)


def create(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    customer = {
        "id": store.new_id("cus"), "object": "customer", "address": None, "balance": 0,
        "created": int(time.time()), "currency": None, "default_source": None, "delinquent": False,
        "description": None, "email": None, "invoice_prefix": None,
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None},
        "livemode": False, "metadata": p.get("metadata", {}), "name": None, "phone": None,
        "preferred_locales": [], "shipping": None, "tax_exempt": "none",
    }
    for field in _FIELDS:
        if field in p:
            customer[field] = p[field]
    store.customers.add(customer)
    if "payment_method" in p:
        pm = payment_methods.resolve(gw, p["payment_method"])
        pm["customer"] = customer["id"]
        store.pm_by_customer[customer["id"]].append(pm["id"])
    store.emit("customer.created", customer, call.request_id, call.idempotency_key)
    if "payment_method" in p:
        store.emit("payment_method.attached", pm, call.request_id, call.idempotency_key)
    return customer


def retrieve(gw, call: Call) -> dict:
    ident = call.args[0]
    customer = gw.store.customers.get(ident)
    if customer is None:
        if ident in gw.store.customers.pos:
            return {"id": ident, "object": "customer", "deleted": True}
        raise missing("customer", ident)
    return customer


def update(gw, call: Call) -> dict:
    customer = _get(gw, call.args[0])
    p = call.params
    for field in _FIELDS:
        if field in p:
            customer[field] = p[field]
    if "metadata" in p:
        customer["metadata"] = merge_metadata(customer["metadata"], p["metadata"])
    gw.store.emit("customer.updated", customer, call.request_id, call.idempotency_key)
    return customer


def delete(gw, call: Call) -> dict:
    customer = _get(gw, call.args[0])
    gw.store.customers.remove(customer["id"])
    gw.store.emit("customer.deleted", customer, call.request_id, None)
    return {"id": customer["id"], "object": "customer", "deleted": True}


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    return narrowed(page_of(store.customers, p, "/v1/customers"), p, "email")


_COMMON = {"name": Str(256), "email": Str(512), "description": Str(), "phone": Str(20),
           "address": AnyHash(), "shipping": AnyHash(), "invoice_settings": AnyHash(),
           "preferred_locales": ListOf(Str(20)), "balance": Int(), "metadata": Metadata(),
           "tax_exempt": Str(20), "expand": EXPAND}
def search(gw, call: Call) -> dict:
    return search_customers(gw.store, call.params)


def list_payment_methods(gw, call: Call) -> dict:
    """`GET /v1/customers/{id}/payment_methods`: the customer's attached PaymentMethods."""
    customer = _get(gw, call.args[0])
    store = gw.store
    result = page(store.payment_methods.by_id, store.pm_by_customer.get(customer["id"], []), call.params,
                  f"/v1/customers/{customer['id']}/payment_methods")
    result["data"] = [pm for pm in result["data"] if pm["customer"] == customer["id"]
                      and ("type" not in call.params or pm["type"] == call.params["type"])]
    return result


ROUTES = [
    Route("GET", "/v1/customers/search", {"query": Str(5000).req(), "limit": Int(1, 100), "page": Str(500),
                                          "expand": EXPAND}, search),
    Route("GET", "/v1/customers/{id}/payment_methods", {**LIST_PARAMS, "type": Str(50),
                                                        "allow_redisplay": Str(20)}, list_payment_methods),
    Route("POST", "/v1/customers", {**_COMMON, "payment_method": Str(255), "tax_id_data": AnyHash(),
                                    "cash_balance": AnyHash()}, create),
    Route("GET", "/v1/customers/{id}", {"expand": EXPAND}, retrieve),
    Route("POST", "/v1/customers/{id}", {**_COMMON, "default_source": Str(255)}, update),
    Route("DELETE", "/v1/customers/{id}", {}, delete),
    Route("GET", "/v1/customers", {**LIST_PARAMS, "email": Str(512), "test_clock": Str(255)}, list_),
]
