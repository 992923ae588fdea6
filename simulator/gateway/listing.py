"""Stripe list objects: newest first, `limit`, `starting_after` / `ending_before`, in O(page)."""

from __future__ import annotations

from paychaos.gateway.errors import ParamError
from paychaos.gateway.params import EXPAND, AnyHash, Int, Str

LIST_PARAMS = {"limit": Int(1, 100), "starting_after": Str(255), "ending_before": Str(255),
               "expand": EXPAND, "created": AnyHash()}


def page(objects: dict, ids: list[str], params: dict, url: str, pos: dict | None = None) -> dict:
    """`ids` are oldest first; `pos` maps id -> index in `ids` (else found by search)."""
    limit = params.get("limit", 10)

    def where(ident: str, param: str) -> int:
        if pos is not None:
            at = pos.get(ident)
        else:
            at = next((i for i in range(len(ids) - 1, -1, -1) if ids[i] == ident), None)
        if at is None:
            raise ParamError(f"Invalid {param}: no object with id '{ident}' in this list", param)
        return at

    data: list[dict] = []
    if "ending_before" in params:
        # the `limit` objects just newer than ending_before, still newest first
        i = where(params["ending_before"], "ending_before") + 1
        while i < len(ids) and len(data) < limit:
            obj = objects.get(ids[i])
            if obj is not None:
                data.append(obj)
            i += 1
        more = any(objects.get(x) is not None for x in ids[i:i + 1])
        data.reverse()
    else:
        i = where(params["starting_after"], "starting_after") - 1 if "starting_after" in params else len(ids) - 1
        while i >= 0 and len(data) < limit:
            obj = objects.get(ids[i])
            if obj is not None:
                data.append(obj)
            i -= 1
        more = i >= 0 and any(objects.get(ids[j]) is not None for j in range(i, max(i - 50, -1), -1))
    return {"object": "list", "data": data, "has_more": more, "url": url}


def page_of(collection, params: dict, url: str) -> dict:
    """A page of a whole store Collection (store.py), newest first."""
    return page(collection.by_id, collection.order, params, url, collection.pos)


def narrowed(result: dict, params: dict, *fields: str) -> dict:
    """`result`, a page, keeping only the objects whose `field` equals the param of that name, for each of
    `fields` that the call gave."""
    for field in fields:
        if field in params:
            result["data"] = [x for x in result["data"] if x[field] == params[field]]
    return result
