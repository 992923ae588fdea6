"""The whole report.json and its one verdict. Every reporter renders this same dict, so the exit
code, report.json, junit.xml and report.html cannot disagree.

    {"scenarios": [entries...], "total": mean of the scenario totals, "passed": bool,
     "min_score": N | null, "allow_inconclusive": bool,
     "counts": {"scenarios", "passed", "failed", "errored", "inconclusive", "not_run"},
     "not_run": [names planned but never finished (Ctrl-C)],
     "interrupted": bool, "target", "started_at", "duration_s", "paychaos_version",
     "repro": {"target_file", "base_url", "webhook_path", "checkout": {method, path, json, form}} (when known),
     "baseline": what changed since --baseline (reporting.baseline.compare; only with the flag)}
"""

from __future__ import annotations

import time

from paychaos import __version__
from paychaos.reporting.baseline import compare

EXIT_PASSED, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


class SuiteReport:
    def __init__(self, scenario_names: list[str], *, target: str = "", min_score: float | None = None,
                 started_at: float | None = None, allow_inconclusive: bool = False,
                 repro: dict | None = None, baseline: dict | None = None, baseline_file: str = ""):
        self.repro = repro
        self.baseline = baseline          # the baseline report.json, read and checked
        self.baseline_file = baseline_file
        self.planned = list(scenario_names)
        self.allow_inconclusive = allow_inconclusive
        self.target = target
        self.min_score = min_score
        self.started_at = started_at or time.time()
        self.entries: dict[str, dict] = {}
        self.interrupted = False

    def add(self, entry: dict) -> None:
        self.entries[entry["name"]] = entry

    def to_dict(self) -> dict:
        order = {name: i for i, name in enumerate(self.planned)}
        scenarios = sorted(self.entries.values(), key=lambda e: order.get(e["name"], len(order)))
        totals = [e["score"]["total"] for e in scenarios if e["score"].get("total") is not None]
        errored = sum(1 for e in scenarios if e.get("error"))
        inconclusive = sum(1 for e in scenarios if e.get("inconclusive") and not e.get("error"))
        passed = sum(1 for e in scenarios if e["passed"])
        excused = inconclusive if self.allow_inconclusive else 0
        not_run = [n for n in self.planned if n not in self.entries]
        report = {
            "scenarios": scenarios,
            "total": round(sum(totals) / len(totals), 1) if totals else None,
            "passed": (bool(scenarios) and passed + excused == len(scenarios) and passed > 0
                       and not not_run and not self.interrupted),
            "min_score": self.min_score,
            "allow_inconclusive": self.allow_inconclusive,
            "counts": {"scenarios": len(self.planned), "passed": passed,
                       "failed": len(scenarios) - passed - errored - inconclusive, "errored": errored,
                       "inconclusive": inconclusive, "not_run": len(not_run)},
            "not_run": not_run,
            "interrupted": self.interrupted,
            "target": self.target,
            "started_at": self.started_at,
            "duration_s": round(time.time() - self.started_at, 3),
            "paychaos_version": __version__,
        }
        if self.repro:
            report["repro"] = self.repro
        if self.baseline is not None:
            report["baseline"] = compare(report, self.baseline, file=self.baseline_file)
        return report


def exit_code(report: dict) -> int:
    if report.get("interrupted"):
        return EXIT_INTERRUPTED
    return EXIT_PASSED if report["passed"] else EXIT_FAILED
