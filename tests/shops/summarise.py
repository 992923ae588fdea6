"""Summarise a paychaos report for MEASUREMENTS.md: per scenario the score, the faults the scenario declares
and how many the proxy applied, gateway calls, and every major or critical finding.

    .venv/bin/python -m tests.shops.summarise /tmp/lantern-clean [/tmp/lantern-no_timeout ...]
    .venv/bin/python -m tests.shops.summarise --against /tmp/lantern-clean /tmp/lantern-no_timeout ...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

SERIOUS = ("critical", "major")


def declared_faults(scenario_path: str) -> list[str]:
    path = Path(scenario_path)
    if not path.is_file():
        return []
    doc = yaml.safe_load(path.read_text()) or {}
    return [f.get("fault", "?") for f in doc.get("faults") or []]


def summarise(report_dir: str) -> str:
    report = json.loads((Path(report_dir) / "report.json").read_text())
    lines = [f"## {report_dir}: overall {report['total']}, passed {report['counts']}"]
    for sc in report["scenarios"]:
        faults = declared_faults(sc.get("path") or "")
        applied = sc.get("faults_applied", 0)
        flag = "  NO FAULT APPLIED" if faults and not applied else ""
        verdict = "PASS" if sc["passed"] else "FAIL"
        lines.append(f"- {sc['name']}: {sc['score']['total']} {verdict}; faults declared {faults or '-'}, "
                     f"applied {applied}; gateway calls {sc.get('gateway_calls')}{flag}")
        for f in sc["findings"]:
            if f["severity"] in SERIOUS:
                lines.append(f"    [{f['severity']}] {f['rule']}: {f['message']}")
    return "\n".join(lines)




def compare(clean_dir: str, other_dir: str) -> str:
    """What changed from the clean run: score per scenario, and findings (any severity) new or gone."""
    def load(d):
        return {s["name"]: s for s in json.loads((Path(d) / "report.json").read_text())["scenarios"]}

    clean, other = load(clean_dir), load(other_dir)
    lines = [f"## {other_dir} against {clean_dir}"]
    for name, sc in other.items():
        base = clean.get(name)
        if base is None:
            continue
        was = {(f["rule"], f["severity"], f["message"]) for f in base["findings"]}
        now = {(f["rule"], f["severity"], f["message"]) for f in sc["findings"]}
        if was == now and base["score"]["total"] == sc["score"]["total"]:
            continue
        lines.append(f"- {name}: {base['score']['total']} -> {sc['score']['total']}")
        lines += [f"    + [{s}] {r}: {m}" for r, s, m in sorted(now - was)]
        lines += [f"    - [{s}] {r}: {m}" for r, s, m in sorted(was - now)]
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--against"]:
        print("\n\n".join(compare(args[1], d) for d in args[2:]))
    else:
        print("\n\n".join(summarise(d) for d in args))
