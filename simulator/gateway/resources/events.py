"""Events (retrieve, list by type) and webhook endpoints (/v1/webhook_endpoints)."""

from __future__ import annotations

import time

from paychaos.gateway.errors import ParamError, lookup
from paychaos.gateway.listing import LIST_PARAMS, page, page_of
from paychaos.gateway.params import EXPAND, Bool, ListOf, Metadata, Str
from paychaos.gateway.routing import Call, Route
from paychaos.gateway.store import API_VERSION


def retrieve_event(gw, call: Call) -> dict:
    return lookup(gw.store.events, "event", call.args[0])


def list_events(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    if "type" in p and not p["type"].endswith("*"):
        return page(store.events.by_id, store.events_by_type.get(p["type"], []), p, "/v1/events")
    if "types" in p:
        wanted = set(p["types"])
        ids = sorted((i for t in wanted for i in store.events_by_type.get(t, [])), key=store.events.pos.get)
        return page(store.events.by_id, ids, p, "/v1/events")
    if "type" in p:  # a prefix like payment_intent.*
        prefix = p["type"][:-1]
        ids = sorted((i for t, lst in store.events_by_type.items() if t.startswith(prefix) for i in lst),
                     key=store.events.pos.get)
        return page(store.events.by_id, ids, p, "/v1/events")
    return page_of(store.events, p, "/v1/events")


def new_endpoint(gw, url: str, enabled_events: list[str], secret: str | None = None, **extra) -> dict:
    """Register an endpoint with the dispatcher; returns the object including its secret."""
    ident = f"we_paychaos{len(gw.webhooks.endpoints.order) + 1:08d}"
    secret = secret or "whsec_" + gw.store.ids.new("s", 32)[2:]
    endpoint = {
        "id": ident, "object": "webhook_endpoint", "api_version": extra.get("api_version") or API_VERSION,
        "application": None, "created": int(time.time()), "description": extra.get("description"),
        "enabled_events": enabled_events, "livemode": False, "metadata": extra.get("metadata") or {},
        "status": "enabled", "url": url,
    }
    gw.webhooks.add_endpoint(endpoint, secret)
    return {**endpoint, "secret": secret}


def _endpoint(gw, ident: str) -> dict:
    return lookup(gw.webhooks.endpoints, "webhook_endpoint", ident)


def _check_url(gw, url: str) -> None:
    refusal = gw.webhooks.url_refusal(url)
    if refusal is not None:
        raise ParamError(f"Invalid url: {refusal}", "url")


def create_endpoint(gw, call: Call) -> dict:
    p = call.params
    _check_url(gw, p["url"])
    return new_endpoint(gw, p["url"], p["enabled_events"], description=p.get("description"),
                        metadata=p.get("metadata"), api_version=p.get("api_version"))


def retrieve_endpoint(gw, call: Call) -> dict:
    return _endpoint(gw, call.args[0])


def update_endpoint(gw, call: Call) -> dict:
    ep = _endpoint(gw, call.args[0])
    p = call.params
    if "url" in p:
        _check_url(gw, p["url"])
    for field in ("url", "enabled_events", "description"):
        if field in p:
            ep[field] = p[field]
    if "metadata" in p:
        ep["metadata"] = p["metadata"]
    if "disabled" in p:
        ep["status"] = "disabled" if p["disabled"] else "enabled"
    return ep


def delete_endpoint(gw, call: Call) -> dict:
    ep = _endpoint(gw, call.args[0])
    gw.webhooks.remove_endpoint(ep["id"])
    return {"id": ep["id"], "object": "webhook_endpoint", "deleted": True}


def list_endpoints(gw, call: Call) -> dict:
    eps = gw.webhooks.endpoints
    return page_of(eps, call.params, "/v1/webhook_endpoints")


_URL = Str(2048, r"https?://\S+", "an http(s) URL")
ROUTES = [
    Route("GET", "/v1/events/{id}", {"expand": EXPAND}, retrieve_event),
    Route("GET", "/v1/events", {**LIST_PARAMS, "type": Str(100), "types": ListOf(Str(100), 20),
                                "delivery_success": Bool()}, list_events),
    Route("POST", "/v1/webhook_endpoints", {
        "url": _URL.req(), "enabled_events": ListOf(Str(100)).req(), "description": Str(),
        "metadata": Metadata(), "api_version": Str(50), "connect": Bool(), "expand": EXPAND,
    }, create_endpoint),
    Route("GET", "/v1/webhook_endpoints/{id}", {"expand": EXPAND}, retrieve_endpoint),
    Route("POST", "/v1/webhook_endpoints/{id}", {
        "url": _URL, "enabled_events": ListOf(Str(100)), "description": Str(), "metadata": Metadata(),
        "disabled": Bool(), "expand": EXPAND,
    }, update_endpoint),
    Route("DELETE", "/v1/webhook_endpoints/{id}", {}, delete_endpoint),
    Route("GET", "/v1/webhook_endpoints", LIST_PARAMS, list_endpoints),
]
