"""`expand[]=latest_charge` and friends: replace an id field by the object it names (a copy),
also inside lists (`data.latest_charge`) and one level deeper (`latest_charge.payment_method`)."""

from __future__ import annotations

from paychaos.gateway.errors import ParamError, StripeError

_BY_PREFIX = {"ch_": "charges", "pm_": "payment_methods", "cus_": "customers", "pi_": "payment_intents",
              "re_": "refunds", "evt_": "events", "seti_": "setup_intents", "price_": "prices",
              "prod_": "products", "cs_": "checkout_sessions"}


def _lookup(store, ident):
    if not isinstance(ident, str):
        return ident
    for prefix, name in _BY_PREFIX.items():
        if ident.startswith(prefix):
            obj = getattr(store, name).get(ident)
            return dict(obj) if obj is not None else ident
    return ident


def _apply(store, obj: dict, path: list[str], full: str) -> dict:
    head, rest = path[0], path[1:]
    if obj.get("object") in ("list", "search_result") and head == "data":
        obj = dict(obj)
        obj["data"] = [_apply(store, item, rest, full) if rest else item for item in obj["data"]]
        return obj
    if head not in obj:
        # found only after the call ran: a saved error, so a retry with the same key cannot run it twice
        raise StripeError(400, "invalid_request_error", f"This property cannot be expanded ({full}).",
                          param="expand")
    obj = dict(obj)
    value = _lookup(store, obj[head])
    if rest and isinstance(value, dict):
        value = _apply(store, value, rest, full)
    obj[head] = value
    return obj


def expand(store, payload: dict, paths: list[str]) -> dict:
    for full in paths:
        parts = full.split(".")
        if len(parts) > 4 or not all(parts):
            raise ParamError(f"Invalid expand path: {full!r}", "expand")
        payload = _apply(store, payload, parts, full)
    return payload
