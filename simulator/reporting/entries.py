"""One report.json scenario entry: the score as scoring gives it (`ScenarioResult.to_dict()`),
the verdict against the required score, and what was measured (checkouts, gateway timeline,
money), all masked.

Entry keys (DESIGN.md's plus extras):
  name, cause, score {total, prompt, retry, fallback, integrity}, findings [...], threshold,
  required (the score this run asked for), passed, error, inconclusive [reasons: the run could not
  carry a verdict; never passed],
  description, path, seed, started_at, duration_s, checkouts [...], timeline [...] (times `t_s` are
  seconds from the first checkout or exchange), gateway_calls,
  faults_applied, money {captured, refunded, net} (summed over currencies),
  money_by_currency {gateway: {currency: {captured, refunded, net}}}, money_tied_by {order id: {gateway object id: route}},
  problems [...], notes [...]
"""

from __future__ import annotations

from paychaos.common.masking import mask_obj
from paychaos.scoring import orders

DIMENSIONS = ("prompt", "retry", "fallback", "integrity")
SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2, "info": 3}


def required_score(threshold: float | None, min_score: float | None) -> float:
    """The score a scenario must reach: --min-score when given, else its own threshold."""
    if min_score is not None:
        return float(min_score)
    return float(threshold if threshold is not None else 80.0)


def verdict(entry: dict) -> bool:
    """Passed: it ran without error, it was conclusive, and its total reached the required score."""
    total = (entry.get("score") or {}).get("total")
    return (not entry.get("error") and not entry.get("inconclusive") and total is not None
            and total >= entry["required"])


def verdict_word(entry: dict) -> str:
    """ERROR | INCONCLUSIVE | PASS | FAIL, as every reporter prints it."""
    if entry.get("error"):
        return "ERROR"
    if entry.get("inconclusive"):
        return "INCONCLUSIVE"
    return "PASS" if entry["passed"] else "FAIL"


def scenario_entry(result: dict, obs=None, *, min_score: float | None = None) -> dict:
    """Build the entry from a score dict and (optionally) its Observations."""
    entry = dict(result)
    score = dict(entry.get("score") or {})
    for key in ("total", *DIMENSIONS):
        score.setdefault(key, None)
    entry["score"] = score
    entry["findings"] = sorted(entry.get("findings") or [],
                               key=lambda f: SEVERITY_ORDER.get(f.get("severity"), 9))
    entry.setdefault("error", None)
    entry["inconclusive"] = list(entry.get("inconclusive") or [])
    entry["required"] = required_score(entry.get("threshold"), min_score)
    if obs is not None:
        entry.update(measured(obs))
        if obs.errors and not entry["error"]:
            entry["error"] = "; ".join(obs.errors)
    entry["passed"] = verdict(entry)
    return mask_obj(entry)


def errored_entry(name: str, cause: str, error: str, *, threshold: float | None = None,
                  min_score: float | None = None, path: str | None = None, seed: int | None = None) -> dict:
    """An entry for a scenario that could not be run or scored (its file and seed when known)."""
    extra = {k: v for k, v in (("path", path), ("seed", seed)) if v is not None}
    return scenario_entry({"name": name, "cause": cause, "score": {}, "findings": [],
                           "threshold": threshold, "error": error, **extra}, min_score=min_score)


def measured(obs) -> dict:
    scenario = obs.scenario
    t0 = timeline_origin(obs)
    tied = {oid: dict(order.routes) for oid, order in orders.build(obs).orders.items() if order.routes}
    timeline = [timeline_record(r, t0) for r in obs.journal]
    return {
        "description": scenario.description,
        "path": scenario.path,
        "seed": getattr(scenario, "seed", None),   # the faults' dice: `paychaos up PATH --seed N` replays them
        "started_at": obs.started_at,
        "duration_s": round(max(0.0, obs.ended_at - obs.started_at), 3) if obs.ended_at else None,
        "checkouts": [checkout_record(c.to_dict(), t0, tied.get(c.order_id)) for c in obs.checkouts],
        "money_tied_by": tied,
        "timeline": timeline,
        "gateway_calls": sum(1 for r in timeline if r["direction"] == "to_gateway"),
        "faults_applied": sum(1 for r in timeline if r["faults"]),
        "money": money(obs.ledger, obs.backup_ledger),
        "money_by_currency": money_by_currency(obs.ledger, obs.backup_ledger),
        "problems": list(obs.errors),
        "notes": list(obs.notes),
    }


def timeline_origin(obs) -> float:
    """Time zero of a scenario's timeline: its first checkout or gateway exchange (the merchant's
    restart before it is not part of the story), else the scenario's start."""
    firsts = [c.started_at for c in obs.checkouts if c.started_at]
    firsts += [r["t_start"] for r in obs.journal if r.get("t_start")]
    return min(firsts) if firsts else obs.started_at


def checkout_record(c: dict, t0: float, tied_by: dict | None = None) -> dict:
    keep = ("order_id", "merchant_order_id", "action", "step", "amount", "currency", "payment", "expected",
            "locale", "http_status", "status", "raw_status", "message", "alternatives", "elapsed_s", "error",
            "screenshot")
    out = {k: c.get(k) for k in keep}
    out["tied_by"] = sorted(set((tied_by or {}).values()))   # how its money was tied to it (docs/scoring.md)
    if c.get("sim"):   # what the simulation did away from the page: a session expired, a wallet settled
        out["sim"] = list(c["sim"])
    if c.get("order_before_settled") is not None:
        out["order_before_settled"] = {k: c["order_before_settled"].get(k) for k in ("status", "raw_status", "fulfilled")}
    out["t_s"] = _rel(c.get("started_at"), t0)
    return out


def timeline_record(r: dict, t0: float) -> dict:
    """A journal record reduced to what a timeline shows, times relative to the scenario start."""
    response = r.get("response") or {}
    err = response.get("error") or {}
    t_start, t_end = r.get("t_start"), r.get("t_end")
    return {
        "id": r.get("id"),
        "upstream": r.get("upstream") or "primary",
        "direction": r.get("direction") or "to_gateway",
        "method": r.get("method"),
        "path": r.get("path"),
        "idempotency_key": r.get("idempotency_key"),
        "status": r.get("status"),
        "upstream_status": r.get("upstream_status"),
        "outcome": response.get("status") or err.get("decline_code") or err.get("code") or err.get("type"),
        "event": (r.get("event") or {}).get("type"),
        "faults": [f.get("fault") for f in r.get("faults") or [] if isinstance(f, dict)],
        "error": r.get("error"),
        "replay_of": r.get("replay_of"),   # a delivery a webhook fault made: the genuine one's id
        "forged": r.get("forged"),         # webhook_forge's mode, on the deliveries it made up
        "host": r.get("host"),             # forward mode: the Stripe host asked for (checkout.stripe.com, ...)
        "t_s": _rel(t_start, t0),
        "duration_ms": round((t_end - t_start) * 1000, 1) if t_start and t_end else None,
    }


def money(ledger: dict | None, backup: dict | None) -> dict:
    """Money that moved, per gateway, summed over currencies (minor units), and `held`: authorisations
    not captured at the end of the run, when there are any."""
    out = {}
    for name, led in (("primary", ledger), ("backup", backup)):
        totals = ((led or {}).get("money") or {}).get("currency_totals") or {}
        if led is None:
            continue
        out[name] = {k: sum(int(t.get(k) or 0) for t in totals.values())
                     for k in ("captured", "refunded", "net")}
        held = sum(int(pi.get("amount_capturable") or 0) for pi in led.get("payment_intents") or []
                   if pi.get("status") == "requires_capture")
        if held:   # authorised, not captured (capture_method=manual): shown only when there is some
            out[name]["held"] = held
    return out


def money_by_currency(ledger: dict | None, backup: dict | None) -> dict:
    """Money that moved, per gateway and currency (minor units of that currency):
    {"primary": {"usd": {"captured", "refunded", "net"}}}. `money` sums these over currencies."""
    out = {}
    for name, led in (("primary", ledger), ("backup", backup)):
        if led is None:
            continue
        totals = ((led or {}).get("money") or {}).get("currency_totals") or {}
        out[name] = {str(cur): {k: int(t.get(k) or 0) for k in ("captured", "refunded", "net")}
                     for cur, t in totals.items() if isinstance(t, dict)}
    return out


def _rel(t: float | None, t0: float) -> float | None:
    return round(t - t0, 3) if t and t0 else None
