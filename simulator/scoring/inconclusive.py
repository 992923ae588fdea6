"""Whether a scenario's observations can carry a verdict at all, read before any rule runs.

A scenario that exercised nothing, or whose evidence is incomplete, is *inconclusive*, never passed
(docs/scoring.md "Inconclusive"). Each reason is one small check; `assess` also says which
observations are unusable (`blind`), so the rules that read them stand aside instead of blaming the
merchant for a broken target path:

- `status`  the outcome status path matched no answer: every answer would read as "failed"
- `orders`  the order-status call answered 404 (or no status) for every order
- `money`   captured money that no route ties to an order
- `cancel`  the cancel call answered 404 for every order
- `scenario` the scenario does not apply to this target (its `flows:` or `requires:`): every rule stands
  aside, so no finding is made of a cause the shop never met
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paychaos.observations import Observations
from paychaos.scenario.model import ACTION_FLOWS, Action, Cause
from paychaos.scoring import exchanges as ex
from paychaos.scoring import orders


@dataclass
class Assessment:
    reasons: list[str] = field(default_factory=list)
    blind: set[str] = field(default_factory=set)

    def add(self, reason: str, blind: str | None = None) -> None:
        self.reasons.append(reason)
        if blind:
            self.blind.add(blind)


def _to_gateway(obs: Observations) -> list[dict]:
    return [r for r in obs.journal if ex.to_gateway(r)]


def no_fault_applied(obs: Observations, out: Assessment) -> None:
    if obs.scenario.faults and not any(r.get("faults") for r in obs.journal):
        rules = ", ".join(f"{f.id or '?'} {f.fault}" for f in obs.scenario.faults)
        out.add(f"none of the scenario's fault rules ({rules}) applied to any call: nothing was tested; "
                f"check each rule's match (kind, path, upstream) against the calls the merchant makes")


# What the simulation records when a flow-bound action was really played (CheckoutResult.sim).
_PLAYED = {Action.LEAVE_PAGE: "session_expired", Action.PAY_LATE: "session_expired",
           Action.ASYNC_SETTLES: "payment_settled", Action.ASYNC_FAILS: "payment_failed",
           Action.QR_WALK_AWAY: "qr_walked_away", Action.QR_PAY_LATE: "qr_walked_away",
           Action.PAY_AGAIN_AFTER_CLOSE: "trade_closed"}
_QR = (Action.QR_WALK_AWAY, Action.QR_PAY_LATE)


def actions_not_played(obs: Observations, out: Assessment) -> None:
    """The scenario is about the hosted page's session running out or a wallet's late money, and no
    customer got that far: the shop's flow has no such step, or its page offered no such method."""
    bound = [a for a in dict.fromkeys(obs.scenario.actions) if a in ACTION_FLOWS]
    if not bound or not obs.checkouts:
        return
    played = {s for c in obs.checkouts for s in c.sim}
    if any(_PLAYED[a] in played for a in bound):
        return
    names = ", ".join(str(a) for a in bound)
    flows = sorted({f for a in bound for f in ACTION_FLOWS[a]})
    if obs.shop.flow not in flows:
        why = (f"the target's checkout.flow is {obs.shop.flow}; they need the {' or '.join(flows)} flow "
               "(docs/flows/)")
    elif all(a in _QR for a in bound):
        why = "no customer was shown a QR code the phone could scan (docs/flows/qr.md)"
    elif all(a is Action.PAY_AGAIN_AFTER_CLOSE for a in bound):
        why = ("no customer left an Alipay cashier whose trade then closed: the shop's hosted page is not "
               "Alipay's (alipay.trade.page.pay / wap.pay), or no customer got back to the shop from it")
    elif any(c.raw_status == "wallet_not_offered" for c in obs.checkouts) or not any(
            a in (Action.LEAVE_PAGE, Action.PAY_LATE) for a in bound):
        why = "the shop's page offered neither Alipay nor WeChat Pay, or no payment waited on the wallet"
    else:
        why = "no customer reached the hosted page"
    out.add(f"none of the customers could play {names}: {why}; nothing the scenario is about happened")


def qr_nothing_ran_out(obs: Observations, out: Assessment) -> None:
    """Customers scanned and walked away, but no code's time ran out and the shop never said an order was
    over: what the QR scenarios judge (giving up, closing, a late payment) never happened."""
    walked = [c for c in obs.checkouts if "qr_walked_away" in c.sim]
    if not walked or any("qr_expired" in c.sim or "qr_order_over" in c.sim for c in walked):
        return
    out.add(f"no QR code ran out for the {len(walked)} customer(s) who walked away: the shop gave its codes "
            "no time_expire / timeout_express (the gateway keeps such a code 2 hours) and its orders stayed "
            "pending within the customers' patience (customers.timeout_s); give the codes an expiry, or "
            "shorten the shop's own deadline in the test environment (docs/flows/qr.md)")


def no_gateway_call(obs: Observations, out: Assessment) -> None:
    if _to_gateway(obs):
        return
    if obs.checkouts and all(c.expected.startswith("invalid:") for c in obs.checkouts if c.step.startswith("checkout")):
        return  # card data the merchant may rightly refuse before calling the gateway
    out.add("the merchant made no gateway call through the proxy: is its gateway URL the proxy "
            "({gateway_url}), or does it reach the gateway some other way?")


def only_unserved_calls(obs: Observations, out: Assessment) -> None:
    calls = _to_gateway(obs)
    unserved = [r for r in calls if r.get("upstream_status") == 404
                and (ex.response(r).get("error") or {}).get("code") != "resource_missing"]
    if calls and len(unserved) == len(calls):
        paths = sorted({ex.endpoint(r) for r in unserved})[:5]
        out.add(f"every gateway call ({len(calls)}) hit an endpoint the fake gateway does not serve "
                f"({', '.join(paths)}): nothing the merchant does with money was exercised")


def status_path_absent(obs: Observations, out: Assessment) -> None:
    answered = [c for c in obs.checkouts if c.step.startswith("checkout") and c.http_status
                and 200 <= c.http_status < 300]
    if answered and all(c.raw_status is None for c in answered):
        out.add(f"the target's outcome status path matched none of the {len(answered)} 2xx checkout "
                "answer(s): every answer would read as \"failed\"; fix checkout.outcome.status in the "
                "target file", blind="status")


def order_status_unusable(obs: Observations, out: Assessment) -> None:
    states = [s for s in (obs.orders or {}).values() if isinstance(s, dict)]
    if not states:
        return
    asked = [s for s in states if s.get("http_status") is not None]
    if not asked:
        # Never asked (the checkout minted no order id to ask about, or the merchant did not answer):
        # the order rules stand aside; that says nothing about the target file.
        out.blind.add("orders")
        return
    states = asked
    if all(s.get("http_status") == 404 for s in states):
        out.add(f"the order-status call answered 404 for every order ({len(states)}): integrity cannot "
                "compare the merchant's orders with the money; fix order_status.path in the target file",
                blind="orders")
    elif all(s.get("status") is None for s in states):
        out.add(f"the order-status answers carry no status at the target's path for any order "
                f"({len(states)}); fix order_status.status in the target file", blind="orders")


def cancel_unserved(obs: Observations, out: Assessment) -> None:
    cancels = [c for c in obs.checkouts if c.step == "cancel" and c.http_status is not None]
    if cancels and all(c.http_status in (404, 405) for c in cancels):
        out.add(f"the cancel call answered {cancels[0].http_status} for every order ({len(cancels)}): the "
                "target's cancel.path does not reach the merchant's cancel; refunds after cancel cannot be "
                "judged", blind="cancel")


def webhooks_unserved(obs: Observations, out: Assessment) -> None:
    genuine = [r for r in obs.journal if not ex.to_gateway(r) and not r.get("forged")]
    if genuine and all(r.get("status") == 404 for r in genuine):
        out.add(f"every genuine webhook delivery ({len(genuine)}) was answered 404: the target's "
                "webhook_path is not the merchant's webhook endpoint")


def notifications_unseen(obs: Observations, out: Assessment) -> None:
    """A notification scenario without proxy faults (the gateway itself sends the duplicated, unsigned or
    forged notifications) in which no notification reached the merchant through the proxy: the merchant
    was never put to the test it is about."""
    if obs.scenario.cause != Cause.WEBHOOK_CHAOS or obs.scenario.faults or not obs.checkouts:
        return
    if not any(r.get("upstream") == "webhooks" for r in obs.journal):
        out.add("the scenario is about notifications, and none reached the merchant through the proxy's "
                "webhooks listener: is the target's webhook_path (or the notify_url the shop gives the "
                "gateway) the merchant's notification endpoint?")


def evidence_incomplete(obs: Observations, out: Assessment) -> None:
    """The gateways answered more calls than the journal shows reaching them: exchanges are missing."""
    seen = sum(((led or {}).get("requests") or {}).get("api") or 0 for led in (obs.ledger, obs.backup_ledger))
    if not seen:
        return
    journaled = sum(1 for r in _to_gateway(obs) if r.get("upstream_status") is not None)
    if seen > journaled:
        out.add(f"evidence incomplete: the gateways answered {seen} call(s) but the journal shows "
                f"{journaled} reaching them (a journal write failed, or the merchant bypasses the proxy)")


def money_untied(obs: Observations, out: Assessment) -> None:
    stray = orders.build(obs).stray_charges
    if stray:
        total = sum(c.captured for c in stray)
        out.add(f"{len(stray)} captured charge(s) ({total} in minor units) could not be tied to any order "
                "(no order id in metadata, answers, customer, idempotency key, amount or timing): money "
                "cannot be judged; see docs/scoring.md on tying money to orders", blind="money")


def checkouts_unplayed(obs: Observations, out: Assessment) -> None:
    """The driver could not play some checkouts (a QR code it cannot scan): what they would show is unknown."""
    unplayed = [c for c in obs.checkouts if getattr(c, "inconclusive", None)]
    if unplayed:
        out.add(f"the driver could not play {len(unplayed)} checkout(s) ({unplayed[0].order_id}: "
                f"{unplayed[0].inconclusive}); see docs/flows/qr.md")


def flow_unfit(obs: Observations, out: Assessment) -> None:
    """The scenario names the checkout flows in which what it is about can happen (`flows:`), and the
    target's flow is not one of them: whatever the customers got, the scenario's cause never reached the
    shop in a way it could answer."""
    flows = obs.scenario.flows
    if flows is not None and obs.shop.flow not in flows:
        out.add(f"the scenario can happen only in the {' or '.join(flows)} checkout flow (`flows:` in its file; its "
                f"description says why) and the target's checkout.flow is {obs.shop.flow}: nothing it is about "
                "happened (docs/flows/)", blind="scenario")


def requirement_unmet(obs: Observations, out: Assessment) -> None:
    """The scenario is about falling back to a backup gateway (`requires: [backup]`) and the target says it
    has none (`shop.gateways: 1`): whatever the customers got, nothing the scenario is about could happen."""
    if "backup" in obs.scenario.requires and obs.shop.gateways < 2:
        out.add("the scenario requires a backup gateway (requires: [backup]) but the target says it has one "
                "gateway (shop.gateways: 1): there was nothing to fall back to; run it on a target with "
                "shop.gateways: 2 and a `dialect:` or gateway for each", blind="scenario")


CHECKS = (flow_unfit, requirement_unmet, no_fault_applied, checkouts_unplayed, actions_not_played, qr_nothing_ran_out, no_gateway_call, only_unserved_calls, status_path_absent, order_status_unusable,
          cancel_unserved, webhooks_unserved, notifications_unseen, evidence_incomplete, money_untied)


def assess(obs: Observations) -> Assessment:
    out = Assessment()
    for check in CHECKS:
        check(obs, out)
    return out
