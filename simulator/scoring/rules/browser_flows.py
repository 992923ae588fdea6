"""integrity (and one prompt rule), for the flows where the customer's browser takes part (target
`checkout.flow` client_secret or redirect, docs/flows/): fulfilment waits for the webhook that confirms
the money, a 3-D Secure challenge the customer left moves no money, an Alipay / WeChat Pay order waits
for its money to settle, and an expired Checkout Session closes its order.

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


@rule(ON_WEBHOOK)
def fulfilled_on_webhook(obs: Observations):
    """In a browser flow an order is fulfilled only once a payment webhook reached the merchant: the
    redirect back or the page's word is no proof of money. Not in the `qr` flow: nothing of the customer's
    reaches the shop there, which learns of the money only from the wallet (notification or query)."""
    if obs.shop.flow in ("server", "qr") or not obs.orders:
        return None
    early = []
    for order in orders.build(obs).orders.values():
        state = order.state or {}
        if int(state.get("fulfilled") or 0) < 1 or order.captured <= 0 or order.cancels:
            continue   # fulfilled without money at all is no_double_fulfilment's critical finding
        if not order.payment_acknowledged:
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


# -- Checkout Sessions that expire, and Alipay / WeChat Pay money that settles after the customer is back --

SETTLED = RuleSpec("integrity.settled_before_fulfilment", Dimension.INTEGRITY, needs=frozenset({"orders"}))
EXPIRED = RuleSpec("integrity.expired_checkout_closed", Dimension.INTEGRITY)
TOLD = RuleSpec("prompt.checkout_session_told", Dimension.PROMPT, needs=frozenset({"status"}))

ASYNC_SIM = ("payment_settled", "payment_failed")
SESSION_EXPIRED = "session_expired"


def _async_results(obs: Observations) -> list:
    return [c for c in obs.checkouts if any(s in c.sim for s in ASYNC_SIM)]


def _expired_results(obs: Observations) -> list:
    return [c for c in obs.checkouts if SESSION_EXPIRED in c.sim]


@rule(SETTLED)
def settled_before_fulfilment(obs: Observations):
    """An Alipay / WeChat Pay order is neither paid nor fulfilled before its money settles (the Checkout
    Session completes `unpaid` first), and one whose payment failed does not stay pending."""
    played = _async_results(obs)
    if not played or not obs.orders:
        return None
    book = orders.build(obs)
    early, stuck = [], []
    for result in played:
        before = result.order_before_settled or {}
        if before.get("status") == "paid" or int(before.get("fulfilled") or 0) > 0:
            early.append({"order_id": result.order_id, "before_settled": {
                k: before.get(k) for k in ("status", "raw_status", "fulfilled")}})
        order = book.orders.get(result.order_id)
        state = (order.state if order else None) or {}
        if "payment_failed" in result.sim and state.get("status") == "pending" and order is not None \
                and order.net <= 0 and not order.cancels:
            stuck.append({"order_id": result.order_id, "order_status": state.get("status"),
                          "webhooks": capped([{"journal_id": r.get("id"), "event": (r.get("event") or {}).get("type"),
                                               "status": r.get("status")} for r in order.webhooks], 10)})
    found = []
    if early:
        found.append(SETTLED.finding(
            Severity.CRITICAL, f"{len(early)} order(s) were recorded paid or fulfilled before their Alipay / "
            "WeChat Pay money settled: a completed Checkout Session (payment_status unpaid) or a payment "
            "waiting on the wallet is no money; fulfil on checkout.session.async_payment_succeeded "
            "(or payment_intent.succeeded)",
            order_ids=capped(sorted(e["order_id"] for e in early)), examples=capped(early, 5)))
    if stuck:
        found.append(SETTLED.finding(
            Severity.MAJOR, f"{len(stuck)} order(s) still pending after their Alipay / WeChat Pay payment "
            "failed: the customer waits for a payment that will never come (checkout.session."
            "async_payment_failed, payment_intent.payment_failed)",
            order_ids=capped(sorted(e["order_id"] for e in stuck)), examples=capped(stuck, 5)))
    return found


@rule(EXPIRED)
def expired_checkout_closed(obs: Observations):
    """An order whose Checkout Session expired holds no money and does not stay pending: the merchant
    closes it on `checkout.session.expired` (or when it next reads the session)."""
    played = _expired_results(obs)
    if not played:
        return None
    book = orders.build(obs)
    charged, pending = [], []
    for oid in dict.fromkeys(c.order_id for c in played):
        order = book.orders.get(oid)
        if order is None:
            continue
        if order.net > 0:
            charged.append({"order_id": oid, "captured": order.captured, "net": order.net})
        status = (order.state or {}).get("status")
        if status == "pending" and not order.cancels and order.net <= 0:
            pending.append({"order_id": oid, "order_status": status, "webhooks": capped(
                [{"journal_id": r.get("id"), "event": (r.get("event") or {}).get("type"), "status": r.get("status")}
                 for r in order.webhooks], 10)})
    found = []
    if charged:
        found.append(EXPIRED.finding(
            Severity.CRITICAL, f"{len(charged)} order(s) hold captured money although their Checkout Session "
            "expired unpaid", order_ids=capped(sorted(c["order_id"] for c in charged)), examples=capped(charged, 5)))
    if pending:
        found.append(EXPIRED.finding(
            Severity.MAJOR, f"{len(pending)} order(s) still pending after their Checkout Session expired: "
            "nothing will ever pay them; cancel the order on checkout.session.expired",
            order_ids=capped(sorted(p["order_id"] for p in pending)), examples=capped(pending, 5)))
    return found


@rule(TOLD)
def checkout_session_told(obs: Observations):
    """A customer back at the shop from the hosted page is told what the session says: not "paid" while
    the wallet's money has not settled, not "being confirmed" once the session expired."""
    settling = [c for c in _async_results(obs) if c.step.startswith("checkout")]
    late = [c for c in _expired_results(obs) if c.action == str(Action.PAY_LATE) and c.step.startswith("checkout")]
    if not settling and not late:
        return None
    early = [{"order_id": c.order_id, "status": c.status, "message": c.message}
             for c in settling if c.status == "paid" and "payment_settled" in c.sim]
    waiting = [{"order_id": c.order_id, "status": c.status, "raw_status": c.raw_status, "message": c.message}
               for c in late if c.status == "pending"]
    found = []
    if early:
        found.append(TOLD.finding(
            Severity.MAJOR, f"{len(early)} customer(s) back from Alipay / WeChat Pay were told \"paid\" before "
            "the money settled (the Checkout Session was complete but unpaid): had it failed, they were told "
            "the opposite of the truth", order_ids=capped(sorted(e["order_id"] for e in early)),
            examples=capped(early, 5)))
    if waiting:
        found.append(TOLD.finding(
            Severity.MAJOR, f"{len(waiting)} customer(s) back on an expired Checkout Session were told their "
            "payment is being confirmed: nothing was paid and nothing will be; tell them it expired unpaid",
            order_ids=capped(sorted(w["order_id"] for w in waiting)), examples=capped(waiting, 5)))
    return found
