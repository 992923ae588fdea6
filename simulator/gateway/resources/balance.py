"""`GET /v1/balance`: the money the account holds, per currency, from what actually moved.

Everything captured minus everything refunded is `available` at once (a test account settles
instantly here); `pending` stays empty. Walks all charges: a reporting call, not a hot path."""

from __future__ import annotations

from collections import defaultdict

from paychaos.gateway.params import EXPAND
from paychaos.gateway.routing import Call, Route


def retrieve(gw, call: Call) -> dict:
    store = gw.store
    net: dict[str, int] = defaultdict(int)
    for charge in store.charges.values():
        net[charge["currency"]] += charge["amount_captured"]
    for refund in store.refunds.values():
        if refund["status"] == "succeeded":
            charge = store.charges.get(refund["charge"])
            if charge is not None:
                net[charge["currency"]] -= refund["amount"]
    available = [{"amount": amount, "currency": cur, "source_types": {"card": amount}}
                 for cur, amount in sorted(net.items())] or [{"amount": 0, "currency": "usd",
                                                               "source_types": {"card": 0}}]
    return {"object": "balance", "available": available, "connect_reserved": [],
            "pending": [{"amount": 0, "currency": row["currency"], "source_types": {"card": 0}} for row in available],
            "livemode": False}


ROUTES = [Route("GET", "/v1/balance", {"expand": EXPAND}, retrieve)]
