""""What to fix": a suite's findings rolled up by rule, worst first.

One row per rule: its worst severity, how many findings, scenarios and orders it hit, one line on how
to fix it (`fixes`) and a link to docs/scoring.md. Sorted by severity (critical, major, minor), then
by the scenarios and findings it hit. Info findings are not things to fix and are left out.
"""

from __future__ import annotations

from paychaos.reporting.entries import SEVERITY_ORDER
from paychaos.reporting.fixes import docs_link, fix_for

TO_FIX = ("critical", "major", "minor")


def orders_of(finding: dict) -> set[str]:
    """The order ids a finding names in its evidence (`order_ids`, `order_id`, examples' `order_id`)."""
    ev = finding.get("evidence") or {}
    found = {str(o) for o in ev.get("order_ids") or [] if isinstance(o, str | int)}
    if isinstance(ev.get("order_id"), str | int):
        found.add(str(ev["order_id"]))
    for ex in ev.get("examples") or []:
        if isinstance(ex, dict) and isinstance(ex.get("order_id"), str | int):
            found.add(str(ex["order_id"]))
    return found


def rollup(report: dict) -> list[dict]:
    """[{rule, dimension, severity, findings, scenarios: [names], orders, fix, docs, message}] worst first."""
    rows: dict[str, dict] = {}
    for entry in report.get("scenarios") or []:
        for f in entry.get("findings") or []:
            sev = f.get("severity")
            if sev not in TO_FIX:
                continue
            rule = str(f.get("rule") or "?")
            row = rows.setdefault(rule, {"rule": rule, "dimension": f.get("dimension"), "severity": sev,
                                         "findings": 0, "scenarios": [], "_orders": set(),
                                         "message": f.get("message") or ""})
            row["findings"] += 1
            if entry["name"] not in row["scenarios"]:
                row["scenarios"].append(entry["name"])
            row["_orders"] |= {(entry["name"], o) for o in orders_of(f)}
            if SEVERITY_ORDER[sev] < SEVERITY_ORDER[row["severity"]]:
                row["severity"], row["message"] = sev, f.get("message") or ""
    out = []
    for row in rows.values():
        row["orders"] = len(row.pop("_orders"))
        row["fix"] = fix_for(row["rule"])
        row["docs"] = docs_link(row["rule"])
        out.append(row)
    return sorted(out, key=lambda r: (SEVERITY_ORDER[r["severity"]], -len(r["scenarios"]), -r["findings"],
                                      r["rule"]))
