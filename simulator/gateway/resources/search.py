"""Stripe's search query language, the part merchants use to find their own payments:
`metadata['order_id']:'X'`, `status:'succeeded'`, `customer:'cus_1'`, `currency:'usd'`, joined by AND.
Answered from indexes; only the non-metadata clauses filter the (small) candidate set."""

from __future__ import annotations

import re

from paychaos.gateway.errors import ParamError
from paychaos.gateway.params import ascii_int

_CLAUSE = re.compile(
    r"""\s*(?:metadata\[(?P<q>['"])(?P<key>[^'"]+)(?P=q)\]|(?P<field>status|customer|currency|amount))"""
    r"""\s*(?P<op>:|>=|<=|>|<)\s*(?:(?P<vq>['"])(?P<value>[^'"]*)(?P=vq)|(?P<num>-?[0-9]+))\s*""")
_AND = re.compile(r"\s+AND\s+")


def parse_query(query: str) -> list[tuple[str, str, str]]:
    clauses = []
    for part in _AND.split(query.strip()):
        m = _CLAUSE.fullmatch(part)
        if not m:
            raise ParamError(
                f"Invalid query: could not parse {part!r}. Supported: metadata['key']:'value', "
                f"status:'...', customer:'...', currency:'...', amount>N, joined by AND.", "query")
        field = f"metadata.{m['key']}" if m["key"] else m["field"]
        value = m["value"] if m["value"] is not None else m["num"]
        if m["op"] != ":" and field != "amount":
            raise ParamError(f"Invalid query: {m['op']} only works with amount", "query")
        clauses.append((field, m["op"], value))
    return clauses


def _matches(pi: dict, field: str, op: str, value: str) -> bool:
    if field.startswith("metadata."):
        return pi["metadata"].get(field[9:]) == value
    if field == "amount":
        number = ascii_int(value)
        if number is None:
            return False
        return {":": pi["amount"] == number, ">": pi["amount"] > number, "<": pi["amount"] < number,
                ">=": pi["amount"] >= number, "<=": pi["amount"] <= number}[op]
    return pi.get(field) == value


def search_intents(store, params: dict) -> dict:
    clauses = parse_query(params["query"])
    meta = [c for c in clauses if c[0].startswith("metadata.")]
    if meta:
        field, _, value = meta[0]
        candidates = store.pi_by_metadata.get((field[9:], value), [])
    elif any(c[0] == "customer" for c in clauses):
        candidates = store.pi_by_customer.get(next(c[2] for c in clauses if c[0] == "customer"), [])
    else:
        candidates = store.payment_intents.order
    limit = params.get("limit", 10)
    start = max(0, ascii_int(params.get("page", "")) or 0)
    found: list[dict] = []
    skipped = 0
    more = False
    for ident in reversed(candidates):
        pi = store.payment_intents.get(ident)
        if pi is None or not all(_matches(pi, *c) for c in clauses):
            continue
        if skipped < start:
            skipped += 1
            continue
        if len(found) == limit:
            more = True
            break
        found.append(pi)
    return {"object": "search_result", "data": found, "has_more": more,
            "next_page": str(start + limit) if more else None, "url": "/v1/payment_intents/search"}


_CUSTOMER_CLAUSE = re.compile(
    r"""\s*(?:metadata\[(?P<q>['"])(?P<key>[^'"]+)(?P=q)\]|(?P<field>email|name|phone))"""
    r"""\s*(?P<op>:|~)\s*(?P<vq>['"])(?P<value>[^'"]*)(?P=vq)\s*""")


def search_customers(store, params: dict) -> dict:
    """`email:'a@b.c'`, `name:'Jo'` (`~` for a substring), `phone:'...'`, `metadata['k']:'v'`, joined by AND."""
    clauses = []
    for part in _AND.split(params["query"].strip()):
        m = _CUSTOMER_CLAUSE.fullmatch(part)
        if not m or (m["op"] == "~" and m["field"] != "name"):
            raise ParamError(
                f"Invalid query: could not parse {part!r}. Supported for customers: email:'...', name:'...', "
                f"name~'...', phone:'...', metadata['key']:'value', joined by AND.", "query")
        clauses.append((m["key"], m["field"], m["op"], m["value"]))

    def matches(customer: dict) -> bool:
        for key, field, op, value in clauses:
            have = customer["metadata"].get(key) if key else customer.get(field)
            if op == "~" and not (isinstance(have, str) and value.lower() in have.lower()):
                return False
            if op == ":" and have != value:
                return False
        return True

    limit = params.get("limit", 10)
    start = max(0, ascii_int(params.get("page", "")) or 0)
    found = [c for c in reversed([store.customers.get(i) for i in store.customers.order]) if c and matches(c)]
    more = len(found) > start + limit
    return {"object": "search_result", "data": found[start:start + limit], "has_more": more,
            "next_page": str(start + limit) if more else None, "url": "/v1/customers/search"}
