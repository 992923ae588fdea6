"""report.html of a load run: one self-contained page (inline CSS and SVG, no scripts, no fetches):
the verdict with its threshold, what to fix (findings rolled up by rule, worst first), the dimension
scores, a table of per-phase metrics and time-series charts with the phases shaded.

The page is the Jinja2 template `paychaos/reporting/templates/load-report.html.j2`, in the frame and
with the stylesheet of `paychaos run`'s report.html (page.html.j2, paychaos.reporting.html_style):
viewport meta, usable at 390 px, a print stylesheet. Autoescaped; the charts are SVG drawn in Python
(paychaos.load.charts, which escapes its own texts). Written whole or not at all.
"""

from __future__ import annotations

import time
from pathlib import Path

from markupsafe import Markup

from paychaos.common.masking import mask_obj
from paychaos.load import verdict as load_verdict
from paychaos.load.charts import line_chart
from paychaos.reporting.entries import SEVERITY_ORDER
from paychaos.reporting.files import write_atomic
from paychaos.reporting.fixes import docs_page
from paychaos.reporting.html_report import environment
from paychaos.reporting.html_style import CSS
from paychaos.reporting.rollup import rollup

TEMPLATE = "load-report.html.j2"
WHOLE_RUN = "whole run"   # where a load rule's finding names no phase


def _pct(v) -> str:
    return "–" if v is None else f"{v:.0%}"


def _ms(v) -> str:
    return "–" if v is None else f"{v:,.0f}"


def _rate_class(v) -> str:
    if v is None:
        return "na"
    return "good" if v >= 0.9 else ("warn" if v >= 0.5 else "bad")


def _recovered(rec) -> str:
    if not rec:
        return "–"
    return f"{rec['time_to_recover_s']:.1f} s" if rec.get("recovered") else "never"


def _falls_off(fall) -> str:
    if not fall or fall.get("first_half_primary_calls_per_checkout") is None:
        return "–"
    return "yes" if fall.get("fell_off") else "no"


def phase_anchor(name: str) -> str:
    return "p-" + "".join(ch if ch.isalnum() else "-" for ch in str(name))


def cut_short(run: dict) -> bool:
    """Ctrl-C (or SIGTERM) before the last phase ended. Reports of older versions have no flag."""
    if "interrupted" in run:
        return bool(run["interrupted"])
    return run.get("ran_s") is not None and run["ran_s"] < run["duration_s"]


def _charts(report: dict) -> list[Markup]:
    series, phases = report["series"], report["metrics"]["phases"]
    t0 = series.get("t0") or 0
    shading = [(p["start"] - t0, p["end"] - t0, p["name"], p["faulted"]) for p in phases]
    buckets = series.get("buckets", [])
    x_max = max([s[1] for s in shading] + [b["t"] + (series.get("width_s") or 0) for b in buckets[-1:]] + [1])
    mid = (series.get("width_s") or 0) / 2

    def pts(key, scale=1.0):
        return [(b["t"] + mid, None if b[key] is None else b[key] * scale) for b in buckets]

    return [Markup(chart) for chart in (   # drawn in Python, every text in them escaped there
        line_chart("Checkout success rate", [("paid / checkouts", "#2a7f3f", pts("success_rate", 100))],
                   shading, x_max=x_max, y_max=100, y_unit="%"),
        line_chart("Customer latency", [("p50", "#2c5d9c", pts("latency_p50_ms")),
                                        ("p95", "#b8610f", pts("latency_p95_ms"))],
                   shading, x_max=x_max, y_unit="ms"),
        line_chart("Gateway call rate", [("primary calls/s", "#6b3fa0", pts("primary_calls_per_s")),
                                         ("backup calls/s", "#1f8a8a", pts("backup_calls_per_s"))],
                   shading, x_max=x_max, y_unit="/s"),
    )]


def _by_phase(findings: list[dict]) -> dict:
    """The findings as rollup() reads a suite: one 'scenario' per phase (load rules without one: the run)."""
    phases: dict[str, list[dict]] = {}
    for f in findings:
        phase = (f.get("evidence") or {}).get("phase") or WHOLE_RUN
        phases.setdefault(str(phase), []).append(f)
    return {"scenarios": [{"name": name, "findings": found} for name, found in phases.items()]}


def what_to_fix(findings: list[dict]) -> list[dict]:
    """The findings rolled up by rule, worst first, each with its fix: the suite's rules' from
    paychaos.reporting.fixes, the load rules' from paychaos.load.verdict (and docs/load.md)."""
    rows = rollup(_by_phase(findings))
    for row in rows:
        if row["rule"] in load_verdict.FIXES:
            row["fix"] = load_verdict.FIXES[row["rule"]]
            row["docs"] = docs_page("load.md", load_verdict.DOCS_SECTION)
    return rows


def render(report: dict) -> str:
    report = mask_obj(report)
    run, metrics, verdict = report["run"], report["metrics"], report["verdict"]
    threshold = verdict.get("threshold", run.get("threshold"))
    findings = sorted(verdict.get("findings") or [], key=lambda f: SEVERITY_ORDER.get(f.get("severity"), 9))
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.get("started_at") or 0))
    return environment().get_template(TEMPLATE).render(
        run=run, passed=bool(verdict.get("passed")), cut=cut_short(run), score=verdict["score"],
        threshold=threshold, totals=metrics["totals"], phases=metrics["phases"],
        suite={r["phase"]: r["score"].get("total") for r in verdict.get("phases", [])},
        fixes=what_to_fix(findings), findings=findings, charts=_charts(report),
        failures=report.get("failures") or [], errors=report.get("errors") or [], started=when,
        inconclusive=verdict.get("inconclusive") or [],
        word="passed" if verdict.get("passed") else ("inconclusive" if verdict.get("inconclusive") else "failed"),
        css=Markup(CSS), pct=_pct, ms=_ms, rate_class=_rate_class, recovered=_recovered, falls_off=_falls_off,
        phase_anchor=phase_anchor)


def write(path: Path, report: dict) -> Path:
    return write_atomic(path, render(report))
