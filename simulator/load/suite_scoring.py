"""The suite's own scoring (paychaos.scoring) applied to each phase of a load run: every phase
becomes the observations of one scenario (its checkouts, the exchanges and money of its orders, the
orders' final states) so a load run is judged by the same rules and dimensions as `paychaos run`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from paychaos.driver import Driver
from paychaos.load.events import PhaseWindow, RunEvents
from paychaos.observations import CheckoutResult, Observations
from paychaos.proxies.rules import parse_rules
from paychaos.scenario.cards import TEST_CARDS
from paychaos.scenario.model import Cause, Scenario
from paychaos.scoring import exchanges, score
from paychaos.target import Shop, Target

CAUSE_BY_FAULT = {
    "http_error": Cause.GATEWAY_OUTAGE, "refused": Cause.GATEWAY_OUTAGE, "reset": Cause.GATEWAY_OUTAGE,
    "close": Cause.GATEWAY_OUTAGE, "latency": Cause.TIMEOUT, "hang": Cause.TIMEOUT, "slow_body": Cause.TIMEOUT,
    "decline": Cause.ACCOUNT_PROBLEM, "rate_limit": Cause.RATE_LIMIT, "auth_error": Cause.MERCHANT_ACCOUNT,
    "malformed": Cause.MALFORMED_ANSWER, "response_lost": Cause.AMBIGUOUS_OUTCOME,
}
ORDER_STATUS_THREADS = 8


def order_states(target: Target, checkouts: list[dict]) -> dict[str, dict]:
    """Each order's state as its merchant tells it (after the run, before the merchants stop)."""
    if target.order_status is None:
        return {}
    drivers: dict[str, Driver] = {}
    jobs = []
    for c in checkouts:
        base = c.get("merchant") or ""
        drivers.setdefault(base, Driver(target, base, {}))
        jobs.append((c["order_id"], drivers[base], c.get("merchant_order_id")))
    with ThreadPoolExecutor(ORDER_STATUS_THREADS) as pool:
        answers = pool.map(lambda job: (job[0], job[1].order_status(job[0], timeout_s=5.0,
                                                                    merchant_order_id=job[2])), jobs)
        return dict(answers)


def _cause(rules: list[dict]) -> Cause:
    for rule in rules:
        if rule.get("fault") in CAUSE_BY_FAULT:
            return CAUSE_BY_FAULT[rule["fault"]]
        if str(rule.get("fault", "")).startswith("webhook_"):
            return Cause.WEBHOOK_CHAOS
    return Cause.HEALTHY


def _result(c: dict, locale: str) -> CheckoutResult:
    card = TEST_CARDS.get(c.get("payment") or "")
    return CheckoutResult(
        order_id=c["order_id"], action="checkout", amount=int(c.get("amount") or 0), payment=c.get("payment") or "",
        expected=c.get("expected") or (card.expected if card else "paid"), locale=locale, http_status=c.get("http_status"),
        status=c.get("status"), raw_status=c.get("raw_status", c.get("status")), message=c.get("message"),
        merchant_order_id=c.get("merchant_order_id"),
        alternatives=list(c.get("alternatives") or []), started_at=c["t"], elapsed_s=c.get("elapsed_s"),
        error=c.get("error"))


def _ledger_of(ledger: dict | None, orders: set[str]) -> dict | None:
    if ledger is None:
        return None
    intents = [pi for pi in ledger.get("payment_intents", []) if (pi.get("metadata") or {}).get("order_id") in orders]
    ids = {pi["id"] for pi in intents}
    charges = [ch for ch in ledger.get("charges", [])
               if (ch.get("metadata") or {}).get("order_id") in orders or ch.get("payment_intent") in ids]
    return {**ledger, "payment_intents": intents, "charges": charges}


def _journal_of(journal: list[dict], phase: PhaseWindow, orders: set[str], intents: set[str]) -> list[dict]:
    out = []
    for rec in journal:
        hint = exchanges.order_hint(rec)
        if hint is not None:
            if hint in orders:
                out.append(rec)
        elif exchanges.intent_ids(rec) & intents or (not exchanges.intent_ids(rec)
                                                     and phase.holds(rec.get("t_start", 0))):
            out.append(rec)
    return out


def score_phases(profile: str, threshold: float, events: RunEvents, journal: list[dict],
                 ledgers: dict[str, dict], states: dict[str, dict], locale: str,
                 flow: str = "server") -> list[dict]:
    """One suite ScenarioResult (as a dict, plus the phase's name) per phase that saw checkouts. flow: the
    target's checkout.flow (the rules that read it: the browser's calls are the customer's, not the
    merchant's). The rest of the target's `shop` is not given: the load rules grade the backup gateway."""
    results = []
    for phase in events.phases:
        mine = [c for c in events.checkouts if phase.holds(c["t"])]
        if not mine:
            continue
        orders = {c["order_id"] for c in mine}
        primary = _ledger_of(ledgers.get("primary"), orders) or {}
        backup = _ledger_of(ledgers.get("backup"), orders)
        intents = {pi["id"] for led in (primary, backup or {}) for pi in led.get("payment_intents", [])}
        scenario = Scenario(name=f"{profile}:{phase.name}", cause=_cause(phase.rules),
                            description=f"phase '{phase.name}' of the {profile} load profile",
                            faults=parse_rules(phase.rules, source=profile, field=f"phase {phase.name}"),
                            fault_specs=phase.rules)
        obs = Observations(scenario=scenario, checkouts=[_result(c, locale) for c in mine],
                           journal=_journal_of(journal, phase, orders, intents), ledger=primary,
                           backup_ledger=backup, orders={o: states[o] for o in orders if o in states},
                           started_at=phase.start, ended_at=phase.end, shop=Shop(flow=flow))
        result = score(obs).to_dict()
        result["threshold"] = threshold
        results.append({"phase": phase.name, **result})
    return results
