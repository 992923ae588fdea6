"""integrity and prompt for the QR flow's own failure causes (target `checkout.flow: qr`, docs/flows/qr.md):
a customer who scans the code and walks away (`qr_walk_away`), one who pays after the code's time ran
out (`qr_pay_late`). The shop gives up on such an order, closes the code at the gateway (or lets its
time_expire close it), tells the customer the code expired and offers a new one; a payment that comes
anyway is refunded or honoured, never kept for an order the shop cancelled.

(Money kept for a failed or cancelled order is also `integrity.no_orphan_charge`'s critical finding;
this rule names the QR cause and its remedy.)
"""

from __future__ import annotations

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scoring import orders
from paychaos.scoring.evidence import capped, redact
from paychaos.scoring.lexicon import active, language
from paychaos.scoring.registry import RuleSpec, rule

CLOSED = RuleSpec("integrity.qr_expired_closed", Dimension.INTEGRITY, needs=frozenset({"orders"}))
TOLD = RuleSpec("prompt.qr_expiry_told", Dimension.PROMPT, needs=frozenset({"status"}))

WALKED = "qr_walked_away"      # CheckoutResult.sim: the customer scanned and left unpaid
EXPIRED = "qr_expired"         # ... and the gateway closed the code at its time_expire
PAID_LATE = "qr_paid_late"     # ... and the late payment went through
GAVE_UP = ("failed", "canceled")
REMEDY = ("close the code at the gateway when the shop gives up on the order (WeChat Pay's close order, "
          "alipay.trade.close) or give it a time_expire / timeout_express no later than the shop's own deadline")


def _walked(obs: Observations) -> list:
    return [c for c in obs.checkouts if WALKED in c.sim and c.step.startswith("checkout")]


@rule(CLOSED)
def qr_expired_closed(obs: Observations):
    """An order whose customer walked away from its QR code ends closed, unpaid, at the shop and at the
    gateway: no money kept for an order the shop gave up, no code left payable, nothing pending after the
    code expired."""
    played = _walked(obs)
    if not played or not obs.orders:
        return None
    book = orders.build(obs)
    kept, payable, pending = [], [], []
    for result in played:
        order = book.orders.get(result.order_id)
        if order is None:
            continue
        status = (order.state or {}).get("status")
        if PAID_LATE in result.sim and order.net > 0 and status != "paid":
            kept.append({"order_id": order.order_id, "order_status": status, "captured": order.captured,
                         "net": order.net})
        elif status in GAVE_UP and order.in_flight and order.net <= 0:
            payable.append({"order_id": order.order_id, "order_status": status, "open_at_gateway": order.in_flight})
        elif status == "pending" and EXPIRED in result.sim and order.net <= 0:
            pending.append({"order_id": order.order_id, "order_status": status})
    found = []
    if kept:
        found.append(CLOSED.finding(
            Severity.CRITICAL, f"{len(kept)} order(s) the shop gave up on were paid by a late scan of their "
            f"QR code, and the shop kept the money without honouring the order: {REMEDY}, and refund (or "
            "honour) a payment that comes anyway", order_ids=capped(sorted(k["order_id"] for k in kept)),
            examples=capped(kept, 5)))
    if payable:
        found.append(CLOSED.finding(
            Severity.MAJOR, f"{len(payable)} order(s) were given up by the shop while their QR code stayed "
            f"payable at the gateway: a customer who scans it later pays for a cancelled order; {REMEDY}",
            order_ids=capped(sorted(p["order_id"] for p in payable)), examples=capped(payable, 5)))
    if pending:
        found.append(CLOSED.finding(
            Severity.MAJOR, f"{len(pending)} order(s) still pending after their QR code expired at the gateway "
            "(WeChat Pay: CLOSED; Alipay: TRADE_CLOSED): nothing will ever pay them; the shop should read "
            "the closed trade (query or notification) and close the order",
            order_ids=capped(sorted(p["order_id"] for p in pending)), examples=capped(pending, 5)))
    return found


@rule(TOLD)
def qr_expiry_told(obs: Observations):
    """A customer whose QR code ran out is told so, in their language, with a new code on offer (a
    "try again"): not left on a page that still waits for the scan."""
    played = _walked(obs)
    if not played:
        return None
    lexicon = active()
    waiting, unsaid = [], []
    for c in played:
        item = {"order_id": c.order_id, "status": c.status, "raw_status": c.raw_status,
                "message": redact(c.message)}
        if c.status == "pending" and EXPIRED in c.sim:
            waiting.append(item)
        elif c.status == "failed" and PAID_LATE not in c.sim:
            said = lexicon.find(c.message, language(c.locale))
            missing = [w for w in ("expired", "try_again") if w not in said]
            if missing:
                unsaid.append(item | {"missing": missing, "locale": c.locale})
    found = []
    if waiting:
        found.append(TOLD.finding(
            Severity.MAJOR, f"{len(waiting)} customer(s) whose QR code expired still see a page waiting for "
            "their scan: tell them the code expired and offer a new one",
            order_ids=capped(sorted({w["order_id"] for w in waiting})), examples=capped(waiting, 5)))
    if unsaid:
        found.append(TOLD.finding(
            Severity.MINOR, f"{len(unsaid)} customer(s) whose order was given up are not told, in their "
            "language, that the QR code expired and that a new one can be had (expected: expired and "
            "try_again words)", order_ids=capped(sorted({u["order_id"] for u in unsaid})),
            examples=capped(unsaid, 5)))
    return found
