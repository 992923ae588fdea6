"""What changed since a baseline report.json: findings new, fixed and unchanged.

A finding is the same finding in both runs when scenario, rule, severity and message kind agree. The
message kind is the message with every word holding a digit (counts, ids, amounts, journal ids,
masked cards) replaced by `#`, so "3 of 4 orders" and "2 of 4 orders" are the same kind: a pull
request that halves a defect still shows it as unchanged, not as one fixed and one new.

The result goes into report.json under "baseline":
    {"file": path, "new": [item...], "fixed": [item...], "unchanged": [item...],
     "counts": {"new", "fixed", "unchanged"}}
with item = {"scenario", "rule", "severity", "message"} (the message of this run, or of the baseline
for a fixed one). Scenarios only one of the two runs has are compared too (their findings are all new
or all fixed). Info findings are left out: nothing to fix.
"""

from __future__ import annotations

import re

from paychaos.reporting.entries import SEVERITY_ORDER

_DIGITS = re.compile(r"\S*\d\S*")


def message_kind(message: str) -> str:
    return " ".join(_DIGITS.sub("#", str(message or "")).split())


def _items(report: dict) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for entry in report.get("scenarios") or []:
        if not isinstance(entry, dict):
            continue
        for f in entry.get("findings") or []:
            if not isinstance(f, dict) or f.get("severity") == "info":
                continue
            key = (str(entry.get("name")), str(f.get("rule")), str(f.get("severity")),
                   message_kind(f.get("message")))
            out.setdefault(key, {"scenario": key[0], "rule": key[1], "severity": key[2],
                                 "message": str(f.get("message") or "")})
    return out


def compare(report: dict, baseline: dict, *, file: str = "") -> dict:
    now, before = _items(report), _items(baseline)

    def listed(keys, source):
        return sorted((source[k] for k in keys),
                      key=lambda i: (SEVERITY_ORDER.get(i["severity"], 9), i["scenario"], i["rule"]))

    new = listed(now.keys() - before.keys(), now)
    fixed = listed(before.keys() - now.keys(), before)
    same = listed(now.keys() & before.keys(), now)
    return {"file": file, "new": new, "fixed": fixed, "unchanged": same,
            "counts": {"new": len(new), "fixed": len(fixed), "unchanged": len(same)}}
