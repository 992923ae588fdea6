"""report.html of a load run: one self-contained page (inline CSS and SVG, no scripts, no fetches)
with the verdict, a table of per-phase metrics and time-series charts with the phases shaded."""

from __future__ import annotations

from html import escape
from pathlib import Path

from paychaos.common.masking import mask_text
from paychaos.load.charts import line_chart
from paychaos.reporting.files import write_atomic

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#1d2733}
.scroll{overflow-x:auto}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:26px 0 8px}
.sub{color:#5b6875} .err{background:#fdecea;border:1px solid #e0a19a;padding:8px 12px;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:12px} th,td{padding:4px 6px;border-bottom:1px solid #e3e8ee;
text-align:right} th:first-child,td:first-child{text-align:left} tr.faulted td:first-child{color:#a3352b}
.dims{display:flex;gap:10px;margin:12px 0} .dim{border:1px solid #d5dde5;border-radius:6px;padding:8px 12px;
min-width:90px} .dim b{display:block;font-size:20px} .sev-critical{color:#a3352b;font-weight:600}
.sev-major{color:#b8610f} .sev-minor{color:#5b6875} svg.chart{display:block;margin:6px 0 14px}
svg .title{font-weight:600;font-size:13px} svg .axis{font-size:11px;fill:#5b6875} svg .phase{font-size:10px;
fill:#3b4650} svg .legend{font-size:11px} svg .grid{stroke:#d9e0e7;stroke-width:1}
code{background:#f1f4f7;padding:1px 4px;border-radius:3px}
"""


def _pct(v) -> str:
    return "-" if v is None else f"{v:.0%}"


def _num(v, digits=0) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def render(report: dict) -> str:
    run, metrics, verdict, series = report["run"], report["metrics"], report["verdict"], report["series"]
    phases = metrics["phases"]
    t0 = series.get("t0") or 0
    shading = [(p["start"] - t0, p["end"] - t0, p["name"], p["faulted"]) for p in phases]
    buckets = series.get("buckets", [])
    x_max = max([s[1] for s in shading] + [b["t"] + (series.get("width_s") or 0) for b in buckets[-1:]] + [1])
    mid = (series.get("width_s") or 0) / 2

    def pts(key, scale=1.0):
        return [(b["t"] + mid, None if b[key] is None else b[key] * scale) for b in buckets]

    charts = [
        line_chart("Checkout success rate", [("paid / checkouts", "#2a7f3f", pts("success_rate", 100))],
                   shading, x_max=x_max, y_max=100, y_unit="%"),
        line_chart("Customer latency", [("p50", "#2c5d9c", pts("latency_p50_ms")),
                                        ("p95", "#b8610f", pts("latency_p95_ms"))],
                   shading, x_max=x_max, y_unit="ms"),
        line_chart("Gateway call rate", [("primary calls/s", "#6b3fa0", pts("primary_calls_per_s")),
                                         ("backup calls/s", "#1f8a8a", pts("backup_calls_per_s"))],
                   shading, x_max=x_max, y_unit="/s"),
    ]
    score = verdict["score"]
    dims = "".join(f'<div class="dim">{escape(k)}<b>{_num(score.get(k))}</b></div>'
                   for k in ("total", "prompt", "retry", "fallback", "integrity"))
    suite = {r["phase"]: r["score"]["total"] for r in verdict.get("phases", [])}
    rows = []
    for p in phases:
        lat = p["latency_ms"]
        rec = p.get("recovery")
        fall = p.get("primary_falls_off")
        rows.append(
            f'<tr class="{"faulted" if p["faulted"] else ""}"><td>{escape(p["name"])}</td>'
            f'<td>{_num(p["duration_s"], 1)}s</td><td>{p["checkouts"]}</td><td>{_pct(p["success_rate"])}</td>'
            f'<td>{_num(lat["p50"])}</td><td>{_num(lat["p95"])}</td><td>{_num(lat["p99"])}</td>'
            f'<td>{_num(p["gateway_calls_per_checkout"], 2)}</td>'
            f'<td>{p["gateway_calls"]["primary"]}/{p["gateway_calls"]["backup"]}</td>'
            f'<td>{p["double_charges"]}/{p["orphan_charges"]}</td>'
            f'<td>{"-" if not rec else (_num(rec["time_to_recover_s"], 1) + "s" if rec["recovered"] else "never")}</td>'
            f'<td>{"-" if not fall else ("yes" if fall["fell_off"] else "no")}</td>'
            f'<td>{_num(suite.get(p["name"]))}</td></tr>')
    findings = "".join(
        f'<li class="sev-{escape(f["severity"])}">[{escape(f["dimension"])}, {escape(f["severity"])}] '
        f'{escape(mask_text(f["message"]))}</li>' for f in verdict["findings"]) or "<li>No findings.</li>"
    errors = "".join(f'<p class="err">{escape(mask_text(e))}</p>' for e in report.get("errors", []))
    totals = metrics["totals"]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>paychaos load: {escape(run["profile"])}</title><style>{CSS}</style></head><body>
<h1>paychaos load: {escape(run["profile"])}</h1>
<p class="sub">{escape(run.get("summary", ""))}<br>{run["users"]} users, {run["duration_s"]:g}s,
{run.get("workers") or "no"} workers, {run.get("proxies", 1)} proxy process(es); target {escape(run["target"])}</p>
{_verdict_line(report)}
{errors}
<div class="dims">{dims}</div>
<p>{totals["checkouts"]} checkouts, {totals["paid"]} paid ({_pct(totals["success_rate"])}), {totals["gateway_calls"]}
gateway calls; the ledger shows {totals["ledger_charged_orders"]} charged orders;
{totals["double_charges"]} double and {totals["orphan_charges"]} orphan charges.</p>
<h2>Phases</h2>
<div class="scroll"><table><tr><th>phase</th><th>length</th><th>checkouts</th><th>success</th><th>p50 ms</th><th>p95 ms</th>
<th>p99 ms</th><th>calls/checkout</th><th>primary/backup</th><th>double/orphan</th><th>recovered in</th>
<th>dead primary falls off</th><th>suite score</th></tr>
{"".join(rows)}</table></div>
<h2>Over time</h2>
{"".join(charts)}
<h2>Findings</h2><ul>{findings}</ul>
</body></html>
"""


def _verdict_line(report: dict) -> str:
    verdict, run = report["verdict"], report["run"]
    total = verdict["score"].get("total")
    passed = verdict.get("passed")
    word = "PASSED" if passed else "FAILED"
    ran = run.get("ran_s")
    ran_text = f"; ran {ran:g} s of {run['duration_s']:g} s planned" if ran is not None and ran < run["duration_s"] else ""
    why = "".join(f"<br>{escape(mask_text(f))}" for f in report.get("failures") or [])
    return (f'<p class="{"ok" if passed else "err"}"><b>{word}</b>: score {_num(total)}, required '
            f'{_num(verdict.get("threshold", run.get("threshold")))}{ran_text}{why}</p>')


def write(path: Path, report: dict) -> Path:
    return write_atomic(path, render(report))
