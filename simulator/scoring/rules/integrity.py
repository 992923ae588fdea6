"""integrity: money. Nothing doubled, nothing kept without an order, no success without money,
refunds after cancel, order states that agree with the ledgers, no double fulfilment, no forged
webhook believed."""

from __future__ import annotations

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scenario.model import Action
from paychaos.scoring import exchanges as ex
from paychaos.scoring import facts, orders
from paychaos.scoring.evidence import capped
from paychaos.scoring.registry import RuleSpec, rule

DOUBLE = RuleSpec("integrity.no_double_charge", Dimension.INTEGRITY)
ORPHAN = RuleSpec("integrity.no_orphan_charge", Dimension.INTEGRITY, needs=frozenset({"status"}))
FALSE_SUCCESS = RuleSpec("integrity.no_false_success", Dimension.INTEGRITY, needs=frozenset({"orders", "money"}))
REFUND = RuleSpec("integrity.refund_after_cancel", Dimension.INTEGRITY, needs=frozenset({"orders", "cancel"}))
CONVERGE = RuleSpec("integrity.state_converges", Dimension.INTEGRITY, needs=frozenset({"orders", "money"}))
FULFIL = RuleSpec("integrity.no_double_fulfilment", Dimension.INTEGRITY, needs=frozenset({"orders"}))
FORGED = RuleSpec("integrity.rejects_forged_webhooks", Dimension.INTEGRITY)
WEBHOOK_ACK = RuleSpec("integrity.webhooks_acknowledged", Dimension.INTEGRITY)

NOT_SOLD = ("failed", "canceled", "new", "unknown", None)


def _money(order: orders.Order) -> dict:
    return {"order_id": order.order_id, "amount": order.amount, "captured": order.captured,
            "refunded": order.refunded, "charges": [c.to_dict() for c in order.charges if c.captured],
            "tied_by": {cid: order.routes.get(cid) for c in order.charges if c.captured for cid in [c.id]}}


def _held(order: orders.Order) -> dict:
    """_money, and the authorisations still holding the customer's money (requires_capture)."""
    return _money(order) | {"held": order.held, "holds": list(order.holds)}


def _ids(items: list[dict]) -> list:
    return capped(sorted({i["order_id"] for i in items}))


@rule(DOUBLE)
def no_double_charge(obs: Observations):
    """An order is charged once, across the primary and the backup gateway; a customer is not charged more
    times than they placed orders, even when the extra charge cannot be tied to one order."""
    book = orders.build(obs)
    doubled, undone, held_twice = [], [], []
    for order in book.orders.values():
        charged = order.captured_charges
        if len(charged) < 2:
            kept = [c for c in charged if c.captured > c.refunded]
            if len(kept) + len(order.holds) >= 2:   # an authorisation held beside another, or beside the charge
                held_twice.append(_held(order) | {"journal_ids": capped(order.journal_ids(order.charge_attempts)),
                                                  "tied_by": dict(order.routes)})
            continue
        item = _money(order) | {"journal_ids": capped(order.journal_ids(order.charge_attempts)),
                                "tied_by": dict(order.routes)}
        (doubled if order.net > max(c.captured for c in charged) else undone).append(item)
    found = []
    if doubled:
        found.append(DOUBLE.finding(
            Severity.CRITICAL, f"{len(doubled)} order(s) were charged more than once and kept the money",
            order_ids=_ids(doubled), examples=capped(doubled, 5)))
    if book.excess:
        charges = sum(len(e["charges"]) for e in book.excess)
        orders_placed = sum(e["orders"] for e in book.excess)
        found.append(DOUBLE.finding(
            Severity.CRITICAL, f"{len(book.excess)} customer(s) were charged {charges} time(s) for "
            f"{orders_placed} order(s): money beyond what their orders explain",
            order_ids=capped(sorted({o for e in book.excess for o in e["order_ids"]})),
            examples=capped(book.excess, 5)))
    if held_twice:
        found.append(DOUBLE.finding(
            Severity.MAJOR, f"{len(held_twice)} order(s) hold the customer's money more than once (a second "
            "authorisation held beside the first or beside the charge): the card is held twice until the extra "
            "hold is canceled or lapses", order_ids=_ids(held_twice), examples=capped(held_twice, 5)))
    if undone:
        found.append(DOUBLE.finding(
            Severity.MINOR, f"{len(undone)} order(s) were charged twice, then refunded down to one charge: "
            "the customer saw the double charge on the statement", order_ids=_ids(undone),
            examples=capped(undone, 5)))
    return found


@rule(ORPHAN)
def no_orphan_charge(obs: Observations):
    """No money is kept (nor held by an authorisation) for an order the merchant failed or dropped."""
    book = orders.build(obs)
    orphans, held = [], []
    for order in book.orders.values():
        if order.cancels or order.status not in NOT_SOLD:
            continue
        if order.net <= 0:
            if order.held > 0:   # authorised, never captured: the customer's money held for nothing
                held.append(_held(order) | {"order_status": order.status, "told": order.told})
            continue
        if order.state is None and obs.shop.flow == "browser" and order.payment_acknowledged:
            # Without the merchant's order status, the page's words stand in for its record; but a page's
            # words are its script's, and the merchant's server took the payment webhook: it knows the
            # money is there (telling the customer "failed" is prompt.status_right's finding).
            continue
        orphans.append(_money(order) | {"order_status": order.status, "told": order.told})
    found = []
    if orphans:
        found.append(ORPHAN.finding(
            Severity.CRITICAL, f"{len(orphans)} order(s) hold captured money although the order is "
            "failed or unknown to the merchant: the customer paid for nothing", order_ids=_ids(orphans),
            examples=capped(orphans, 5)))
    if held:
        found.append(ORPHAN.finding(
            Severity.MAJOR, f"{len(held)} order(s) the merchant failed or dropped still hold an authorisation "
            "on the customer's card: their money stays unavailable until the hold is canceled or lapses",
            order_ids=_ids(held), examples=capped(held, 5)))
    # Captured money no route ties to an order is not blamed on the merchant: it makes the scenario
    # inconclusive (scoring/inconclusive.py), and a customer charged beyond their orders is a double charge.
    return found


@rule(FALSE_SUCCESS)
def no_false_success(obs: Observations):
    """The merchant never records an order as paid without money captured or held for it."""
    if not obs.orders:
        return None
    false = []
    for order in orders.build(obs).orders.values():
        if order.state and order.state.get("status") == "paid" and order.captured == 0 and order.held == 0:
            false.append({"order_id": order.order_id, "order_status": "paid",
                          "journal_ids": capped(order.journal_ids(), 10)})
    if not false:
        return []
    return [FALSE_SUCCESS.finding(
        Severity.CRITICAL, f"{len(false)} order(s) are recorded as paid but no gateway holds their money: "
        "goods ship unpaid", order_ids=_ids(false), examples=capped(false, 5))]


@rule(REFUND)
def refund_after_cancel(obs: Observations):
    """An order canceled after payment is refunded in full (or its authorisation released), and says so."""
    book = orders.build(obs)
    canceled = [o for o in book.orders.values() if o.cancels]
    if not canceled and not facts.has_action(obs, Action.CANCEL_AFTER_PAY):
        return None
    kept, held, stale = [], [], []
    for order in canceled:
        if order.net > 0:
            kept.append(_money(order) | {"order_status": order.status})
        elif order.held > 0:   # an authorisation the cancel did not release
            held.append(_held(order) | {"order_status": order.status})
        elif order.state and order.state.get("status") not in ("canceled", "refunded"):
            stale.append({"order_id": order.order_id, "order_status": order.state.get("status")})
    found = []
    if kept:
        found.append(REFUND.finding(
            Severity.CRITICAL, f"{len(kept)} canceled order(s) were not refunded: the customer paid for "
            "an order they canceled", order_ids=_ids(kept), examples=capped(kept, 5)))
    if held:
        found.append(REFUND.finding(
            Severity.MAJOR, f"{len(held)} canceled order(s) still hold an authorisation on the customer's card: "
            "cancel the PaymentIntent, or their money stays unavailable until the hold lapses",
            order_ids=_ids(held), examples=capped(held, 5)))
    if stale:
        found.append(REFUND.finding(
            Severity.MINOR, f"{len(stale)} canceled order(s) do not show as canceled or refunded",
            order_ids=_ids(stale), examples=capped(stale, 5)))
    return found


def _webhook_trail(order: orders.Order) -> list[dict]:
    return capped([{"journal_id": r.get("id"), "event": (r.get("event") or {}).get("type"),
                    "status": r.get("status"), "faults": sorted(ex.fault_names(r))} for r in order.webhooks], 10)


def _never_answered(order: orders.Order) -> bool:
    """The merchant kept looking its payment up and no call of the order's ever reached the gateway (each
    stopped by a fault, to the end of the run): it cannot know that nothing was made, so "pending" is its
    honest state (a payment call sent and never answered may have authorised money)."""
    calls = order.exchanges
    return (any(ex.is_lookup(r) for r in calls)
            and all(r.get("upstream_status") is None and r.get("faults") for r in calls))


@rule(CONVERGE)
def state_converges(obs: Observations):
    """After the run settles, each order's status agrees with the money the ledgers hold."""
    if not obs.orders:
        return None
    stuck = []
    for order in orders.build(obs).orders.values():
        status = (order.state or {}).get("status")
        if status is None or order.cancels:
            continue
        problem = None
        if status == "pending" and order.net > 0:
            problem = "charged, still pending"
        elif (status == "pending" and not order.in_flight and order.held == 0 and order.expected != "requires_action"
              and not _never_answered(order)):
            problem = "pending with no payment in flight"
        elif status == "paid" and order.captured > 0 and order.net <= 0:
            problem = "paid, but the money was refunded"
        if problem:
            stuck.append(_money(order) | {"order_status": status, "problem": problem,
                                          "webhooks": _webhook_trail(order)})
    if not stuck:
        return []
    return [CONVERGE.finding(
        Severity.MAJOR, f"{len(stuck)} order(s) ended in a state the ledger contradicts "
        f"({', '.join(sorted({s['problem'] for s in stuck}))})", order_ids=_ids(stuck), examples=capped(stuck, 5))]


@rule(FULFIL)
def no_double_fulfilment(obs: Observations):
    """An order that exposes a `fulfilled` count is fulfilled at most once, and only when paid."""
    exposed = {oid: s for oid, s in (obs.orders or {}).items() if isinstance(s, dict) and "fulfilled" in s}
    if not exposed:
        return None
    book = orders.build(obs)
    twice, unpaid = [], []
    for oid, state in exposed.items():
        count = int(state.get("fulfilled") or 0)
        order = book.orders.get(oid)
        if count > 1:
            twice.append({"order_id": oid, "fulfilled": count,
                          "webhooks": _webhook_trail(order) if order else []})
        elif count == 1 and order is not None and order.net <= 0 and not order.cancels:
            unpaid.append({"order_id": oid, "fulfilled": count, "captured": order.captured})
    found = []
    if twice:
        found.append(FULFIL.finding(
            Severity.CRITICAL, f"{len(twice)} order(s) were fulfilled more than once (duplicate or replayed "
            "webhooks not deduplicated)", order_ids=_ids(twice), examples=capped(twice, 5)))
    if unpaid:
        found.append(FULFIL.finding(
            Severity.CRITICAL, f"{len(unpaid)} order(s) were fulfilled without money captured",
            order_ids=_ids(unpaid), examples=capped(unpaid, 5)))
    return found


# What a forged event claims, by type: the order state that believing it leads to.
_SUCCESS_CLAIMS = (".succeeded", "checkout.session.completed", "invoice.paid")
_FAILURE_CLAIMS = frozenset({"payment_intent.payment_failed", "payment_intent.canceled", "charge.failed"})


def _changed_by_forgery(order: orders.Order, events: list[dict]) -> str | None:
    """How the forged events visibly changed the order, or None: its history names one of them, or its
    state is what they claim while the ledgers say otherwise."""
    state = order.state or {}
    history = state.get("history")
    notes = " ".join(map(str, history)) if isinstance(history, list) else ""
    named = [e["id"] for e in events if e.get("id") and e["id"] in notes]
    if named:
        return f"its history names the forged event {named[0]}"
    types = {str(e.get("type") or "") for e in events}
    fulfilled = state.get("fulfilled")
    no_money = order.captured == 0 and order.held == 0
    if any(t.endswith(_SUCCESS_CLAIMS) for t in types) and no_money:
        if state.get("status") == "paid":
            return "paid with no money captured or held"
        if isinstance(fulfilled, int) and fulfilled > 0:
            return "fulfilled with no money captured or held"
    if types & _FAILURE_CLAIMS and order.net > 0 and state.get("status") in ("failed", "canceled"):
        return f"{state['status']} although charged"
    if "charge.refunded" in types and order.net > 0 and state.get("status") == "refunded":
        return "refunded although the money is still captured"
    return None


# What each gateway's notifications are signed with, by the dialect its ledger names (Stripe's names none).
SIGNATURES = {"stripe": ("Stripe's signature check", "Stripe-Signature", "Stripe's advice: reject them with 400"),
              "alipay": ("Alipay's signature check", "the RSA2 `sign` field", "Alipay's advice: verify `sign` with "
                         "Alipay's public key before acting, and never answer `success` to one that fails"),
              "wechatpay": ("WeChat Pay's signature check", "Wechatpay-Signature", "WeChat Pay's advice: verify "
                            "Wechatpay-Signature with the platform certificate, and answer a failure to one that fails")}


def _signature_words(obs: Observations) -> tuple[str, str, str]:
    """(whose check, what is signed, the gateway's advice) for the gateways of this run."""
    dialects = [(ledger or {}).get("dialect", "stripe") for ledger in (obs.ledger, obs.backup_ledger) if ledger is not None]
    words = [SIGNATURES.get(d, SIGNATURES["stripe"]) for d in dict.fromkeys(dialects or ["stripe"])]
    return " or ".join(w[0] for w in words), ", ".join(w[1] for w in words), "; ".join(w[2] for w in words)


def _delivery(rec: dict) -> dict:
    event = rec.get("event") or {}
    return {"journal_id": rec.get("id"), "event": event.get("type"), "event_id": event.get("id"),
            "mode": rec.get("forged"), "status": rec.get("status")}


@rule(FORGED)
def rejects_forged_webhooks(obs: Observations):
    """Webhook deliveries that fail signature verification are refused (400) and change no order."""
    forged = [r for r in obs.journal if not ex.to_gateway(r) and r.get("forged")]
    if not forged:
        if any(f.fault == "webhook_forge" for f in obs.scenario.faults):
            return [FORGED.finding(Severity.INFO, "the scenario forges webhooks, but no forged delivery reached "
                                   "the merchant (no delivery matched the rule)")]
        return None
    book = orders.build(obs)
    order_of = {r.get("id"): order for order in book.orders.values() for r in order.webhooks}
    accepted: dict[str | None, list[dict]] = {}   # order id (None: no order of the run) -> its 2xx forgeries
    for rec in forged:
        status = rec.get("status")
        if isinstance(status, int) and 200 <= status < 300:
            order = order_of.get(rec.get("id"))
            accepted.setdefault(order.order_id if order else None, []).append(rec)
    believed, ignored = [], []        # (evidence, records)
    for oid, recs in accepted.items():
        order = book.orders.get(oid) if oid else None
        change = _changed_by_forgery(order, [r.get("event") or {} for r in recs]) if order else None
        item = {"order_id": oid, "deliveries": capped([_delivery(r) for r in recs], 5)}
        if change:
            believed.append((item | {"change": change, "order_status": (order.state or {}).get("status"),
                                     "captured": order.captured}, recs))
        else:
            ignored.append((item, recs))
    found = []
    check, signed, advice = _signature_words(obs)
    if believed:
        recs = [r for _, rs in believed for r in rs]
        found.append(FORGED.finding(
            Severity.CRITICAL, f"{len(believed)} order(s) changed on {len(recs)} forged webhook(s) that fail "
            f"{check}: anyone can mark an unpaid order paid",
            order_ids=_ids([e for e, _ in believed]), journal_ids=capped([r.get("id") for r in recs]),
            examples=capped([e for e, _ in believed], 5)))
    if ignored:
        recs = [r for _, rs in ignored for r in rs]
        found.append(FORGED.finding(
            Severity.MAJOR, f"{len(recs)} forged webhook(s) (bad, missing or tampered {signed}) were "
            f"answered 2xx: the signature is not verified ({advice})",
            order_ids=capped(sorted({e["order_id"] for e, _ in ignored if e["order_id"]})),
            journal_ids=capped([r.get("id") for r in recs]), examples=capped([e for e, _ in ignored], 5)))
    return found


@rule(WEBHOOK_ACK)
def webhooks_acknowledged(obs: Observations):
    """Genuine webhook deliveries are answered 2xx: Stripe retries a failing endpoint for days, then
    disables it, and every order that waits on a webhook waits for ever."""
    genuine = [r for r in obs.journal if not ex.to_gateway(r) and not r.get("forged") and (r.get("event") or {}).get("id")]
    if not genuine:
        return None
    by_event: dict[str, list[dict]] = {}
    for rec in genuine:
        by_event.setdefault(str(rec["event"]["id"]), []).append(rec)
    never, late = [], []
    for event_id, recs in by_event.items():
        failed = [r for r in recs if isinstance(r.get("status"), int) and r["status"] >= 500 and not r.get("faults")]
        if not failed:
            continue
        item = {"event_id": event_id, "event": (recs[0].get("event") or {}).get("type"),
                "statuses": [r.get("status") for r in recs], "journal_ids": capped([r.get("id") for r in recs])}
        acked = any(isinstance(r.get("status"), int) and 200 <= r["status"] < 300 for r in recs)
        (late if acked else never).append(item)
    found = []
    if never:
        found.append(WEBHOOK_ACK.finding(
            Severity.MAJOR, f"{len(never)} webhook event(s) were answered with a server error and never "
            "acknowledged: Stripe retries for days, then disables the endpoint", examples=capped(never, 5)))
    if late:
        found.append(WEBHOOK_ACK.finding(
            Severity.MINOR, f"{len(late)} webhook event(s) were answered with a server error before a retry "
            "was acknowledged", examples=capped(late, 5)))
    return found
