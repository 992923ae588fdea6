"""Per-phase metrics of a load run, from the three places the truth lives: the checkouts the
customers made (events file), every gateway exchange (proxy journals) and the money that moved
(gateway ledgers). Exact: computed from raw records merged across workers, never from summaries.
"""

from __future__ import annotations

import math
from collections import defaultdict

from paychaos.load.events import PhaseWindow, RunEvents
from paychaos.scoring.exchanges import by_browser

DEAD_FAULTS = {"http_error", "refused", "reset", "close", "hang", "auth_error"}
RECOVERY_WINDOW_S = 2.0     # success must be back over this window to count as recovered
RECOVERY_SHARE = 0.9        # ... at this share of the healthy success rate


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (exact, no interpolation); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def gateway_calls(journal: list[dict], *, browser: bool = False) -> list[dict]:
    """Exchanges the merchant made with a gateway (not the webhook leg, not the control API, not the
    customer's browser: its confirm, 3-D Secure and hosted pages in the client_secret and redirect
    flows). browser=True: the browser's exchanges instead."""
    return [r for r in journal if r.get("direction", "to_gateway") == "to_gateway"
            and r.get("upstream") in ("primary", "backup") and by_browser(r) is browser]


def money_by_order(ledgers: dict[str, dict]) -> dict[str, dict]:
    """order_id -> {captured_charges, net, gateways}, summed over every gateway's ledger."""
    out: dict[str, dict] = defaultdict(lambda: {"captured_charges": 0, "net": 0, "gateways": []})
    for gateway, ledger in ledgers.items():
        for charge in (ledger or {}).get("charges", []):
            order = (charge.get("metadata") or {}).get("order_id")
            captured = int(charge.get("amount_captured") or 0)
            if not order or captured <= 0:
                continue
            net = captured - int(charge.get("amount_refunded") or 0)
            entry = out[order]
            entry["net"] += net
            if net > 0:
                entry["captured_charges"] += 1
                if gateway not in entry["gateways"]:
                    entry["gateways"].append(gateway)
    return dict(out)


def primary_dead(rules: list) -> bool:
    """Whether a phase's rules fail every payment call to the primary."""
    return any(r.get("fault") in DEAD_FAULTS and float(r.get("probability", 1.0)) >= 1.0
               and (r.get("match") or {}).get("upstream") in (None, "primary") for r in rules)


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def phase_metrics(phase: PhaseWindow, checkouts: list[dict], calls: list[dict], money: dict[str, dict],
                  healthy_rate: float | None, previous: PhaseWindow | None, browser_calls: int = 0) -> dict:
    n = len(checkouts)
    by_status = defaultdict(int)
    for c in checkouts:
        by_status[c.get("status") or "no_answer"] += 1
    latencies = [c["elapsed_s"] * 1000 for c in checkouts if c.get("elapsed_s") is not None]
    upstream_calls = defaultdict(int)
    for r in calls:
        upstream_calls[r["upstream"]] += 1
    told = {c["order_id"]: c.get("status") for c in checkouts}
    doubles = sorted(o for o in told if money.get(o, {}).get("captured_charges", 0) > 1)
    orphans = sorted(o for o, s in told.items() if s in ("failed", None) and money.get(o, {}).get("net", 0) > 0)
    paid_no_money = sorted(o for o, s in told.items() if s == "paid" and money.get(o, {}).get("net", 0) <= 0)
    out = {
        "name": phase.name, "start": phase.start, "end": phase.end,
        "duration_s": round(phase.end - phase.start, 3), "rules": phase.rules, "faulted": phase.faulted,
        "control_ok": all(a.get("status") == 200 for a in phase.control),
        "checkouts": n, "paid": by_status["paid"], "pending": by_status["pending"],
        "failed": by_status["failed"], "no_answer": by_status["no_answer"],
        "success_rate": _rate(by_status["paid"], n),
        "latency_ms": {f"p{p}": _round(percentile(latencies, p)) for p in (50, 95, 99)}
        | {"max": _round(max(latencies, default=None))},
        "gateway_calls": {"primary": upstream_calls["primary"], "backup": upstream_calls["backup"],
                          "total": len(calls), "browser": browser_calls},
        "gateway_calls_per_checkout": _rate(len(calls), n),
        "charged_orders": sum(1 for o in told if money.get(o, {}).get("net", 0) > 0),
        "double_charges": len(doubles), "orphan_charges": len(orphans), "paid_without_charge": len(paid_no_money),
        "integrity_examples": {"double": doubles[:5], "orphan": orphans[:5], "paid_without_charge": paid_no_money[:5]},
        "primary_falls_off": _falls_off(phase, checkouts, calls) if primary_dead(phase.rules) else None,
        "recovery": (_recovery(phase, checkouts, healthy_rate)
                     if previous is not None and previous.faulted and not phase.faulted else None),
    }
    return out


def _round(v):
    return None if v is None else round(v, 1)


def _falls_off(phase: PhaseWindow, checkouts: list[dict], calls: list[dict]) -> dict:
    """Circuit breaking: primary calls per checkout in the first and second half of a dead-primary phase."""
    mid = (phase.start + phase.end) / 2
    halves = []
    for lo, hi in ((phase.start, mid), (mid, phase.end)):
        n = sum(1 for c in checkouts if lo <= c["t"] < hi)
        p = sum(1 for r in calls if r["upstream"] == "primary" and lo <= r.get("t_start", 0) < hi)
        halves.append(_rate(p, n))
    first, second = halves
    fell = first is not None and second is not None and (second < 0.5 * first or second < 0.2)
    return {"first_half_primary_calls_per_checkout": first,
            "second_half_primary_calls_per_checkout": second, "fell_off": bool(fell)}


def _recovery(phase: PhaseWindow, checkouts: list[dict], healthy_rate: float | None) -> dict:
    """Seconds from the fault's end until success is back near the healthy rate over a short window."""
    goal = RECOVERY_SHARE * (healthy_rate if healthy_rate is not None else 1.0)
    starts = sorted({round(c["t"] - phase.start, 1) for c in checkouts})
    for offset in starts:
        window = [c for c in checkouts if offset <= c["t"] - phase.start < offset + RECOVERY_WINDOW_S]
        if len(window) >= 3 and sum(c.get("status") == "paid" for c in window) / len(window) >= goal:
            return {"recovered": True, "time_to_recover_s": max(0.0, offset), "goal_success_rate": round(goal, 4)}
    return {"recovered": False, "time_to_recover_s": None, "goal_success_rate": round(goal, 4)}


def compute(events: RunEvents, journal: list[dict], ledgers: dict[str, dict],
            states: dict[str, dict] | None = None) -> dict:
    """states: each order's state as its merchant told it after the run (suite_scoring.order_states);
    None or {} when the target reads no order status (or the merchant died): `shop_paid_orders` is None."""
    calls = gateway_calls(journal)
    browser = gateway_calls(journal, browser=True)
    money = money_by_order(ledgers)
    phases = []
    healthy_rate = None
    previous = None
    assigned = 0
    for phase in events.phases:
        mine = [c for c in events.checkouts if phase.holds(c["t"])]
        assigned += len(mine)
        their_calls = [r for r in calls if phase.holds(r.get("t_start", 0))]
        m = phase_metrics(phase, mine, their_calls, money, healthy_rate, previous,
                          browser_calls=sum(1 for r in browser if phase.holds(r.get("t_start", 0))))
        if healthy_rate is None and not phase.faulted and m["success_rate"] is not None:
            healthy_rate = m["success_rate"]
        phases.append(m)
        previous = phase
    all_told = {c["order_id"]: c.get("status") for c in events.checkouts}
    charged = {o for o, e in money.items() if e["net"] > 0}
    run_orders = set(all_told)
    return {
        "phases": phases,
        "totals": {
            "checkouts": len(events.checkouts),
            "checkouts_in_phases": assigned,
            "paid": sum(1 for s in all_told.values() if s == "paid"),
            "success_rate": _rate(sum(1 for s in all_told.values() if s == "paid"), len(all_told)),
            "gateway_calls": len(calls),
            "browser_calls": len(browser),
            "ledger_charged_orders": len(charged & run_orders),
            "ledger_unknown_orders": len(charged - run_orders),
            "double_charges": sum(p["double_charges"] for p in phases),
            "orphan_charges": sum(p["orphan_charges"] for p in phases),
            "paid_without_charge": sum(p["paid_without_charge"] for p in phases),
            "shop_paid_orders": (sum(1 for o in run_orders if (states.get(o) or {}).get("status") == "paid")
                                 if states else None),
            "workers": (events.totals or {}).get("by_worker"),
            "merged_checkouts_reported": (events.totals or {}).get("checkouts"),
        },
    }
