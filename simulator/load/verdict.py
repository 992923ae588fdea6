"""The graceful-degradation verdict of a load run, in the suite's four dimensions (prompt, retry,
fallback, integrity): small rules over the per-phase metrics and the customers' answers that return
`Finding`s, then a 0-100 score per dimension (None where no rule applied) and a total.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.observations import Dimension, Finding, Severity

ANSWER_BUDGET_S = 10.0
MAX_CALLS_PER_CHECKOUT = 6
STORM_FACTOR = 3.0            # a faulted phase may cost this many times the healthy calls per checkout
PENALTY = {Severity.CRITICAL: 50, Severity.MAJOR: 25, Severity.MINOR: 10, Severity.INFO: 0}

# The prompt lexicon of docs/ARCHITECTURE.md: a failure answer should name why and what next.
LEXICON = (
    "temporarily unavailable", "暂时不可用", "check the card number", "请检查卡号", "card has expired", "卡已过期",
    "security code", "安全码", "insufficient funds", "余额不足", "restricted", "frozen", "受限", "冻结",
    "declined", "被拒绝", "try again", "重试", "another payment method", "其他支付方式", "contact your bank",
    "联系您的银行", "contact support", "联系客服", "being confirmed", "正在确认",
)

Rule = Callable[[dict, list[dict]], tuple[list[Dimension], list[Finding]]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _finding(name, dim, sev, message, **evidence) -> Finding:
    return Finding(name, dim, sev, message, evidence)


@rule
def answers_within_budget(metrics, checkouts):
    out = []
    for p in metrics["phases"]:
        p99 = p["latency_ms"]["p99"]
        if p["no_answer"]:
            out.append(_finding("answers_within_budget", Dimension.PROMPT, Severity.MAJOR,
                                f"{p['no_answer']} of {p['checkouts']} customers got no answer in phase "
                                f"'{p['name']}'", phase=p["name"]))
        elif p99 is not None and p99 > ANSWER_BUDGET_S * 1000:
            out.append(_finding("answers_within_budget", Dimension.PROMPT, Severity.MAJOR,
                                f"p99 answer time {p99 / 1000:.1f}s in phase '{p['name']}' exceeds the "
                                f"{ANSWER_BUDGET_S:g}s budget", phase=p["name"], timings_ms={"p99": p99}))
    return [Dimension.PROMPT], out


@rule
def failures_explained(metrics, checkouts):
    failed = [c for c in checkouts if c.get("status") == "failed"]
    if not failed:
        return [], []
    vague = [c for c in failed if not any(w in (c.get("message") or "").lower() for w in LEXICON)]
    no_next = [c for c in failed if not c.get("alternatives")]
    out = []
    if vague:
        sev = Severity.MAJOR if len(vague) > 0.5 * len(failed) else Severity.MINOR
        out.append(_finding("failures_explained", Dimension.PROMPT, sev,
                            f"{len(vague)} of {len(failed)} failure answers do not say why or what next",
                            order_ids=[c["order_id"] for c in vague[:5]],
                            examples=[c.get("message") for c in vague[:3]]))
    if no_next:
        sev = Severity.MAJOR if len(no_next) > 0.5 * len(failed) else Severity.MINOR
        out.append(_finding("alternatives_offered", Dimension.FALLBACK, sev,
                            f"{len(no_next)} of {len(failed)} failure answers offer no other payment method",
                            order_ids=[c["order_id"] for c in no_next[:5]]))
    return [Dimension.PROMPT, Dimension.FALLBACK], out


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
        if p["gateway_calls"]["backup"] == 0 and p["checkouts"]:
            out.append(_finding("backup_gateway_used", Dimension.FALLBACK, Severity.MAJOR,
                                f"the primary was down in phase '{p['name']}' and the backup gateway was never tried",
                                phase=p["name"]))
    return ([Dimension.RETRY, Dimension.FALLBACK] if applied else []), out


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
def money_is_right(metrics, checkouts):
    out = []
    for p in metrics["phases"]:
        ex = p["integrity_examples"]
        for key, what in (("double_charges", "charged twice"), ("orphan_charges", "charged but told it failed"),
                          ("paid_without_charge", "told paid but no money moved")):
            if p[key]:
                sample = ex[{"double_charges": "double", "orphan_charges": "orphan"}.get(key, key)]
                out.append(_finding("money_is_right", Dimension.INTEGRITY, Severity.CRITICAL,
                                    f"{p[key]} orders {what} in phase '{p['name']}'", phase=p["name"],
                                    order_ids=sample))
    unknown = metrics["totals"].get("ledger_unknown_orders")
    if unknown:
        out.append(_finding("money_is_right", Dimension.INTEGRITY, Severity.MAJOR,
                            f"{unknown} orders were charged that no customer's checkout accounts for"))
    return [Dimension.INTEGRITY], out


def judge(metrics: dict, checkouts: list[dict]) -> dict:
    applied: set[Dimension] = set()
    findings: list[Finding] = []
    for fn in RULES:
        dims, found = fn(metrics, checkouts)
        applied.update(dims)
        findings.extend(found)
    score: dict[str, float | None] = {}
    for dim in Dimension:
        if dim not in applied:
            score[str(dim)] = None
            continue
        lost = sum(PENALTY[f.severity] for f in findings if f.dimension == dim)
        score[str(dim)] = float(max(0, 100 - lost))
    present = [v for v in score.values() if v is not None]
    score["total"] = round(sum(present) / len(present), 1) if present else None
    return {"score": score, "findings": [f.to_dict() for f in findings]}
