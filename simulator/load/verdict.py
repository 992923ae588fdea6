"""The graceful-degradation verdict of a load run, in the suite's four dimensions (prompt, retry,
fallback, integrity): the suite's own rules per phase (paychaos.load.suite_scoring) plus the rules
only a load run can check, over the per-phase metrics: retry amplification against the healthy phase,
a dead primary falling off (circuit breaking), recovery after a fault, money nobody accounts for.
"""

from __future__ import annotations

from collections.abc import Callable

from paychaos.observations import Dimension, Finding, Severity
from paychaos.scoring.scorer import dimension_score, total_score

STORM_FACTOR = 3.0            # a faulted phase may cost this many times the healthy calls per checkout
MAX_CALLS_PER_CHECKOUT = 6

# How to fix what each load-only rule finds (report.html's "What to fix"); the suite's rules have theirs
# in paychaos.reporting.fixes. tests/load/test_report.py checks every rule here has one.
FIXES = {
    "no_retry_storm": "Cap the gateway calls per checkout (e.g. 3 attempts with backoff) and stop calling a "
                      "gateway that keeps failing: a brownout must not multiply the traffic.",
    "dead_primary_falls_off": "Put a circuit breaker on the primary gateway: after a few failures in a row, "
                              "skip it for a while (go to the backup or answer 'pending') and probe it again later.",
    "backup_gateway_used": "When the primary gateway fails, send the payment to the backup gateway before "
                           "telling the customer 'failed'.",
    "recovers_after_fault": "Close the circuit again: probe the primary after a cool-down and return to it once it "
                            "answers, so sales come back when the gateway does.",
    "money_accounted_for": "Tie every charge to an order (metadata.order_id) and reconcile: refund charges no "
                           "order of yours accounts for.",
}
DOCS_SECTION = "the-verdict-the-suites-four-dimensions"   # docs/load.md

Rule = Callable[[dict, list[dict]], tuple[list[Dimension], list[Finding]]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _finding(name, dim, sev, message, **evidence) -> Finding:
    return Finding(name, dim, sev, message, evidence)


@rule
def no_retry_storm(metrics, checkouts):
    phases = [p for p in metrics["phases"] if p["gateway_calls_per_checkout"] is not None]
    if not phases:
        return [], []
    healthy = next((p["gateway_calls_per_checkout"] for p in phases if not p["faulted"]), None)
    out = []
    for p in phases:
        cpc = p["gateway_calls_per_checkout"]
        if cpc > MAX_CALLS_PER_CHECKOUT:
            out.append(_finding("no_retry_storm", Dimension.RETRY, Severity.MAJOR,
                                f"{cpc:.1f} gateway calls per checkout in phase '{p['name']}' (at most "
                                f"{MAX_CALLS_PER_CHECKOUT})", phase=p["name"]))
        elif healthy and p["faulted"] and cpc > STORM_FACTOR * healthy:
            out.append(_finding("no_retry_storm", Dimension.RETRY, Severity.MINOR,
                                f"phase '{p['name']}' costs {cpc / healthy:.1f}x the healthy gateway calls per "
                                f"checkout ({cpc:.2f} vs {healthy:.2f})", phase=p["name"]))
    return [Dimension.RETRY], out


@rule
def dead_primary_falls_off(metrics, checkouts):
    out, applied = [], False
    for p in metrics["phases"]:
        fall = p.get("primary_falls_off")
        if not fall or fall["first_half_primary_calls_per_checkout"] is None:
            continue
        applied = True
        if not fall["fell_off"]:
            out.append(_finding("dead_primary_falls_off", Dimension.RETRY, Severity.MINOR,
                                f"calls to the dead primary did not fall off in phase '{p['name']}' "
                                f"({fall['first_half_primary_calls_per_checkout']} then "
                                f"{fall['second_half_primary_calls_per_checkout']} per checkout): no circuit breaker",
                                phase=p["name"]))
        if p["gateway_calls"]["backup"] == 0 and p["checkouts"] and metrics.get("shop_gateways", 2) >= 2:
            out.append(_finding("backup_gateway_used", Dimension.FALLBACK, Severity.MAJOR,
                                f"the primary was down in phase '{p['name']}' and the backup gateway was never tried",
                                phase=p["name"]))
    has_backup = metrics.get("shop_gateways", 2) >= 2
    return ([Dimension.RETRY, *([Dimension.FALLBACK] if has_backup else [])] if applied else []), out


@rule
def recovers_after_fault(metrics, checkouts):
    out, applied = [], False
    for p in metrics["phases"]:
        rec = p.get("recovery")
        if rec is None:
            continue
        applied = True
        if not rec["recovered"]:
            out.append(_finding("recovers_after_fault", Dimension.FALLBACK, Severity.MAJOR,
                                f"success did not come back to {rec['goal_success_rate']:.0%} in phase "
                                f"'{p['name']}' after the fault ended", phase=p["name"]))
    return ([Dimension.FALLBACK] if applied else []), out


@rule
def money_accounted_for(metrics, checkouts):
    unknown = metrics["totals"].get("ledger_unknown_orders")
    out = []
    if unknown:
        out.append(_finding("money_accounted_for", Dimension.INTEGRITY, Severity.MAJOR,
                            f"{unknown} orders were charged that no customer's checkout accounts for"))
    return [Dimension.INTEGRITY], out


def judge(metrics: dict, checkouts: list[dict], suite: list[dict] | None = None,
          inconclusive: list[str] | None = None) -> dict:
    """Load rules plus the suite's per-phase results: each dimension is the weakest of the load
    rules' score and every phase's suite score; the total follows the suite's formula. `inconclusive`:
    why the run could not observe what it judges (paychaos.load.flows.unobserved); such a run never
    passes, whatever its score."""
    applied: set[Dimension] = set()
    findings: list[Finding] = []
    for fn in RULES:
        dims, found = fn(metrics, checkouts)
        applied.update(dims)
        findings.extend(found)
    suite = suite or []
    scores: dict[Dimension, float | None] = {}
    for dim in Dimension:
        values = [dimension_score([f for f in findings if f.dimension == dim])] if dim in applied else []
        values += [r["score"][str(dim)] for r in suite if r["score"].get(str(dim)) is not None]
        scores[dim] = min(values) if values else None
    suite_findings = [Finding(f["rule"], Dimension(f["dimension"]), Severity(f["severity"]),
                              f"phase '{r['phase']}': {f['message']}", {"phase": r["phase"], **f["evidence"]})
                      for r in suite for f in r["findings"]]
    every = findings + suite_findings
    score = {str(d): v for d, v in scores.items()}
    score["total"] = total_score(scores, every) if any(v is not None for v in scores.values()) else None
    return {"score": score, "findings": [f.to_dict() for f in every], "inconclusive": list(inconclusive or []),
            "phases": [{"phase": r["phase"], "cause": r["cause"], "score": r["score"], "error": r.get("error")}
                       for r in suite]}


def unreached_faults(phases: list, journal: list[dict], spoken: set[str]) -> list[str]:
    """Why a faulted phase judged faults that never happened (the verdict's inconclusive reasons), or []:
    its rules met none of the exchanges in its time window. `spoken`: the dialects of the run's gateways;
    a rule matching Stripe's paths (`/v1/...`) on a shop whose gateways speak none of Stripe's API says so."""
    out = []
    for phase in phases:
        mine = [r for r in journal if phase.holds(r.get("t_start", 0))]
        if not phase.faulted or not mine or any(r.get("faults") for r in mine):
            continue
        paths = sorted({str((rule.get("match") or {}).get("path")) for rule in phase.rules
                        if str((rule.get("match") or {}).get("path") or "").startswith("/v1/")})
        hint = ""
        if paths and "stripe" not in spoken:
            hint = (f" (they match {', '.join(paths)}, Stripe's API, which this shop's "
                    f"{' and '.join(sorted(spoken))} gateways never answer; match `kind: payment` instead)")
        out.append(f"phase '{phase.name}': its fault rules met none of its {len(mine)} exchange(s){hint}: "
                   "the faults it is judged on never happened")
    return out
