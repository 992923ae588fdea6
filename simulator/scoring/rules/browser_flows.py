"""integrity, for the flows where the customer's browser takes part (target `checkout.flow`
client_secret or redirect, docs/flows/): fulfilment waits for the webhook that confirms the money,
and a 3-D Secure challenge the customer left moves no money.

(A customer back on success_url whose payment failed and who is told "paid" is `prompt.status_right`'s
"said paid but no gateway holds the money"; an order fulfilled with no money captured is
`integrity.no_double_fulfilment`'s critical finding.)
"""

from __future__ import annotations

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scenario.model import Action
from paychaos.scoring import facts, orders
from paychaos.scoring.evidence import capped
from paychaos.scoring.registry import RuleSpec, rule

ON_WEBHOOK = RuleSpec("integrity.fulfilled_on_webhook", Dimension.INTEGRITY, needs=frozenset({"orders"}))
ABANDONED = RuleSpec("integrity.abandoned_3ds_uncharged", Dimension.INTEGRITY)

# The events that tell a shop the money is there.
PAYMENT_EVENTS = frozenset({"payment_intent.succeeded", "charge.succeeded", "checkout.session.completed",
                            "checkout.session.async_payment_succeeded"})


def _acknowledged_payment_webhook(order: orders.Order) -> bool:
    """A payment event the merchant itself answered 2xx (`upstream_status`: a dropped delivery is
    answered to the gateway by the proxy, never by the merchant)."""
    return any((r.get("event") or {}).get("type") in PAYMENT_EVENTS and isinstance(r.get("upstream_status"), int)
               and 200 <= r["upstream_status"] < 300 and not r.get("forged") for r in order.webhooks)


@rule(ON_WEBHOOK)
def fulfilled_on_webhook(obs: Observations):
    """In a browser flow an order is fulfilled only once a payment webhook reached the merchant: the
    redirect back or the page's word is no proof of money."""
    if obs.shop.flow == "server" or not obs.orders:
        return None
    early = []
    for order in orders.build(obs).orders.values():
        state = order.state or {}
        if int(state.get("fulfilled") or 0) < 1 or order.captured <= 0 or order.cancels:
            continue   # fulfilled without money at all is no_double_fulfilment's critical finding
        if not _acknowledged_payment_webhook(order):
            early.append({"order_id": order.order_id, "fulfilled": state.get("fulfilled"),
                          "captured": order.captured, "webhooks": capped(
                              [{"journal_id": r.get("id"), "event": (r.get("event") or {}).get("type"),
                                "status": r.get("status")} for r in order.webhooks], 10)})
    if not early:
        return []
    return [ON_WEBHOOK.finding(
        Severity.MAJOR, f"{len(early)} order(s) were fulfilled although no payment webhook ever reached the "
        "merchant: fulfilment ran on the customer's redirect or page, which proves no money",
        order_ids=capped(sorted(e["order_id"] for e in early)), examples=capped(early, 5))]


@rule(ABANDONED)
def abandoned_3ds_uncharged(obs: Observations):
    """A customer who left the 3-D Secure challenge is never charged: no money is captured for the order."""
    if not facts.has_action(obs, Action.THREE_DS_ABANDON):
        return None
    left = {c.order_id for c in obs.checkouts if c.action == str(Action.THREE_DS_ABANDON)}
    charged = [{"order_id": o.order_id, "captured": o.captured, "net": o.net}
               for o in orders.build(obs).orders.values() if o.order_id in left and o.net > 0]
    if not charged:
        return []
    return [ABANDONED.finding(
        Severity.CRITICAL, f"{len(charged)} order(s) hold captured money although the customer left the 3-D "
        "Secure challenge: they were charged without authenticating", order_ids=capped(sorted(
            c["order_id"] for c in charged)), examples=capped(charged, 5))]
