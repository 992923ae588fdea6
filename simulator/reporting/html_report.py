"""report.html: one self-contained page (inline CSS and SVG, no scripts or external assets) with
the verdict, a summary table, and per scenario its scores, findings with evidence, a timeline of
gateway exchanges with faults marked, and what each customer was told."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

from simulator.common.masking import mask_obj
from simulator.reporting.entries import DIMENSIONS
from simulator.reporting.events import SuiteFinished
from simulator.reporting.fanout import Reporter
from simulator.reporting.files import write_atomic
from simulator.reporting.html_style import CSS

FILENAME = "report.html"
LANES = ("customer", "primary", "backup", "webhooks")


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(v) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def score_class(v, required: float = 80) -> str:
    if v is None:
        return "na"
    return "good" if v >= required else ("warn" if v >= required - 30 else "bad")


def anchor(name: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in name)


def render(report: dict) -> str:
    report = mask_obj(report)
    body = [_header(report), _summary(report)]
    body += [_scenario(e) for e in report["scenarios"]]
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(report.get("started_at") or 0))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>paychaos report: {'passed' if report['passed'] else 'failed'}</title>"
        f"<style>{CSS}</style></head><body><main>"
        + "".join(body)
        + f"<footer>paychaos {esc(report.get('paychaos_version'))} · run started {esc(when)} · "
        "card numbers are masked (first six and last four digits at most)</footer>"
        "</main></body></html>\n"
    )


def _header(report: dict) -> str:
    c = report["counts"]
    ok = report["passed"]
    verdict = "PASSED" if ok else ("INTERRUPTED" if report.get("interrupted") else "FAILED")
    required = ("each scenario's own threshold" if report.get("min_score") is None
                else f"min score {num(report['min_score'])}")
    stats = [("scenarios", c["scenarios"]), ("passed", c["passed"]), ("failed", c["failed"]),
             ("errored", c["errored"])]
    if c.get("not_run"):
        stats.append(("not run", c["not_run"]))
    return (
        f"<header class=\"hero {'ok' if ok else 'ko'}\"><div class=\"hero-main\">"
        f"<div class=\"brand\">paychaos</div><h1>Payment resilience report</h1>"
        f"<p class=\"sub\">target <b>{esc(report.get('target') or '–')}</b> · required: {esc(required)} · "
        f"{num(report.get('duration_s'))} s</p></div>"
        f"<div class=\"verdict\"><span class=\"badge {'ok' if ok else 'ko'}\">{verdict}</span>"
        f"<div class=\"big\">{num(report.get('total'))}</div>"
        "<div class=\"cap\">overall score</div></div>"
        "<div class=\"stats\">"
        + "".join(f"<div><b>{v}</b><span>{esc(k)}</span></div>" for k, v in stats)
        + "</div></header>"
    )


def _summary(report: dict) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in ("scenario", "cause", "total", *DIMENSIONS,
                                                   "required", "findings", "verdict"))
    rows = []
    for e in report["scenarios"]:
        s, req = e["score"], e["required"]
        counts = _severity_counts(e.get("findings") or [])
        rows.append(
            f"<tr><td><a href=\"#{anchor(e['name'])}\">{esc(e['name'])}</a></td>"
            f"<td><span class=\"cause\">{esc(e.get('cause'))}</span></td>"
            f"<td class=\"num\">{_meter(s.get('total'), req)}</td>"
            + "".join(f"<td class=\"num {score_class(s.get(d), req)}\">{num(s.get(d))}</td>" for d in DIMENSIONS)
            + f"<td class=\"num\">{num(req)}</td><td>{counts}</td><td>{_verdict_pill(e)}</td></tr>"
        )
    for name in report.get("not_run") or []:
        rows.append(f"<tr class=\"muted\"><td>{esc(name)}</td><td colspan=\"8\">not run (interrupted)</td>"
                    "<td><span class=\"pill na\">NOT RUN</span></td></tr>")
    return (f"<section class=\"card\"><h2>Scorecard</h2><table class=\"summary\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _severity_counts(findings: list[dict]) -> str:
    out = []
    for sev in ("critical", "major", "minor", "info"):
        n = sum(1 for f in findings if f.get("severity") == sev)
        if n:
            out.append(f"<span class=\"sev {sev}\" title=\"{sev}\">{n} {sev}</span>")
    return " ".join(out) or "<span class=\"muted\">none</span>"


def _meter(v, required) -> str:
    if v is None:
        return "–"
    width = max(0.0, min(100.0, float(v)))
    return (f"<div class=\"meter-row\"><b class=\"{score_class(v, required)}\">{num(v)}</b><div class=\"meter\">"
            f"<div class=\"fill {score_class(v, required)}\" style=\"width:{width:.0f}%\"></div>"
            f"<div class=\"mark\" style=\"left:{min(100, required):.0f}%\" title=\"required {num(required)}\"></div>"
            "</div></div>")


def _verdict_pill(e: dict) -> str:
    if e.get("error"):
        return "<span class=\"pill bad\">ERROR</span>"
    return "<span class=\"pill good\">PASS</span>" if e["passed"] else "<span class=\"pill bad\">FAIL</span>"


def _scenario(e: dict) -> str:
    s = e["score"]
    dims = "".join(
        f"<div class=\"dim {score_class(s.get(d), e['required'])}\"><b>{num(s.get(d))}</b><span>{d}</span>"
        + (f"<i>{'not scored' if e.get('error') else 'does not apply'}</i>" if s.get(d) is None else "")
        + "</div>"
        for d in DIMENSIONS)
    facts = []
    if e.get("duration_s") is not None:
        facts.append(f"{num(e['duration_s'])} s")
    if e.get("checkouts") is not None:
        facts.append(f"{len(e['checkouts'])} checkouts")
    if e.get("gateway_calls") is not None:
        facts.append(f"{e['gateway_calls']} gateway calls")
    if e.get("faults_applied") is not None:
        facts.append(f"{e['faults_applied']} exchanges faulted")
    for name, m in (e.get("money") or {}).items():
        facts.append(f"{name}: captured {_money(m.get('captured'))}, refunded {_money(m.get('refunded'))}")
    error = (f"<div class=\"error\"><b>The scenario could not run properly.</b><pre>{esc(e['error'])}</pre></div>"
             if e.get("error") else "")
    return (
        f"<section class=\"card scenario\" id=\"{anchor(e['name'])}\">"
        f"<div class=\"scen-head\"><div><h2>{esc(e['name'])} {_verdict_pill(e)}</h2>"
        f"<p class=\"sub\"><span class=\"cause\">{esc(e.get('cause'))}</span> {esc(e.get('description') or '')}</p>"
        f"<p class=\"facts\">{' · '.join(esc(f) for f in facts)}</p></div>"
        f"<div class=\"total {score_class(s.get('total'), e['required'])}\"><b>{num(s.get('total'))}</b>"
        f"<span>of 100 · needs {num(e['required'])}</span></div></div>"
        f"<div class=\"dims\">{dims}</div>{error}"
        + ("" if e.get("error") and not e.get("findings") else _findings(e.get("findings") or []))
        + _timeline(e)
        + _checkouts(e.get("checkouts") or [])
        + _exchanges(e.get("timeline") or [])
        + "</section>"
    )


def _money(v) -> str:
    return "–" if v is None else f"{v / 100:,.2f}"


def _findings(findings: list[dict]) -> str:
    if not findings:
        return "<h3>Findings</h3><p class=\"muted\">No findings: nothing to improve in this scenario.</p>"
    items = []
    for f in findings:
        ev = "".join(f"<span class=\"ev\"><b>{esc(k)}</b> {esc(_ev_value(v))}</span>"
                     for k, v in (f.get("evidence") or {}).items())
        items.append(
            f"<li class=\"finding {esc(f.get('severity'))}\"><div class=\"fhead\">"
            f"<span class=\"sev {esc(f.get('severity'))}\">{esc(f.get('severity'))}</span>"
            f"<span class=\"fdim\">{esc(f.get('dimension'))}</span><code>{esc(f.get('rule'))}</code></div>"
            f"<p>{esc(f.get('message'))}</p>" + (f"<div class=\"evs\">{ev}</div>" if ev else "") + "</li>")
    return f"<h3>Findings</h3><ul class=\"findings\">{''.join(items)}</ul>"


def _ev_value(v) -> str:
    if isinstance(v, list):
        shown = ", ".join(str(x) for x in v[:12])
        return shown + (f" … ({len(v)} in all)" if len(v) > 12 else "")
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)[:300]
    return str(v)


def _exchange_class(r: dict) -> str:
    status = r.get("status")
    if status is None or r.get("error"):
        return "x-none"
    if status < 300:
        return "x-ok"
    if status < 500:
        return "x-4xx"
    return "x-5xx"


def _timeline(e: dict) -> str:
    records = [r for r in e.get("timeline") or [] if r.get("t_s") is not None]
    checkouts = [c for c in e.get("checkouts") or [] if c.get("t_s") is not None]
    if not records and not checkouts:
        return "<h3>Timeline</h3><p class=\"muted\">No gateway exchanges were recorded.</p>"
    ends = [r["t_s"] + (r.get("duration_ms") or 0) / 1000 for r in records]
    ends += [c["t_s"] + (c.get("elapsed_s") or 0) for c in checkouts]
    span = max(max(ends), 0.001) * 1.04
    lanes = [lane for lane in LANES
             if (lane == "customer" and checkouts) or any(r["upstream"] == lane for r in records)]
    lanes += sorted({r["upstream"] for r in records} - set(lanes))
    left, width, lane_h = 92, 1000, 30
    height = 24 + lane_h * len(lanes) + 22
    x = lambda t: left + (width - left - 10) * (t / span)  # noqa: E731
    parts = [f"<svg class=\"timeline\" viewBox=\"0 0 {width} {height}\" role=\"img\" "
             f"aria-label=\"timeline of gateway exchanges\">"]
    for i, lane in enumerate(lanes):
        y = 18 + i * lane_h
        parts.append(f"<rect x=\"{left}\" y=\"{y}\" width=\"{width - left - 10}\" height=\"{lane_h - 6}\" "
                     f"class=\"lane{' alt' if i % 2 else ''}\"/>"
                     f"<text x=\"{left - 8}\" y=\"{y + lane_h / 2}\" class=\"lane-label\">{esc(lane)}</text>")
    for tick in _ticks(span):
        tx = x(tick)
        parts.append(f"<line x1=\"{tx:.1f}\" x2=\"{tx:.1f}\" y1=\"14\" y2=\"{height - 18}\" class=\"tick\"/>"
                     f"<text x=\"{tx:.1f}\" y=\"{height - 5}\" class=\"tick-label\">{tick:g}s</text>")
    for c in checkouts:
        y = 18 + lanes.index("customer") * lane_h + 4
        x0, x1 = x(c["t_s"]), x(c["t_s"] + (c.get("elapsed_s") or 0))
        cls = {"paid": "c-paid", "pending": "c-pending", "failed": "c-failed"}.get(c.get("status") or "", "c-none")
        tip = (f"{c.get('order_id')} {c.get('step')}: {c.get('status') or c.get('error') or 'no answer'}"
               f" after {num(c.get('elapsed_s'))} s — {c.get('message') or ''}")
        parts.append(f"<rect x=\"{x0:.1f}\" y=\"{y}\" width=\"{max(2.0, x1 - x0):.1f}\" height=\"{lane_h - 14}\" "
                     f"rx=\"3\" class=\"{cls}\"><title>{esc(tip)}</title></rect>")
    for r in records:
        y = 18 + lanes.index(r["upstream"]) * lane_h + 4
        x0 = x(r["t_s"])
        x1 = x(r["t_s"] + (r.get("duration_ms") or 0) / 1000)
        faulted = bool(r.get("faults"))
        tip = (f"{r.get('id')} {r.get('method')} {r.get('path')} → {r.get('status') or r.get('error') or 'no response'}"
               + (f" · fault: {', '.join(r['faults'])}" if faulted else "")
               + (f" · key {r['idempotency_key']}" if r.get("idempotency_key") else "")
               + f" · {num(r.get('duration_ms'))} ms")
        parts.append(f"<rect x=\"{x0:.1f}\" y=\"{y}\" width=\"{max(3.0, x1 - x0):.1f}\" height=\"{lane_h - 14}\" "
                     f"rx=\"2\" class=\"{_exchange_class(r)}{' faulted' if faulted else ''}\">"
                     f"<title>{esc(tip)}</title></rect>")
        if faulted:
            parts.append(f"<path d=\"M{x0:.1f} {y - 1} l-4 -6 h8 z\" class=\"fault-mark\"><title>{esc(tip)}</title></path>")
    parts.append("</svg>")
    legend = ("<div class=\"legend\"><span class=\"x-ok\"></span>2xx <span class=\"x-4xx\"></span>4xx "
              "<span class=\"x-5xx\"></span>5xx <span class=\"x-none\"></span>no response "
              "<span class=\"fault-key\">▼</span>fault applied "
              "<span class=\"c-paid\"></span>customer: paid <span class=\"c-pending\"></span>pending "
              "<span class=\"c-failed\"></span>failed</div>")
    return f"<h3>Timeline</h3><div class=\"tl-wrap\">{''.join(parts)}</div>{legend}"


def _ticks(span: float) -> list[float]:
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300):
        if span / step <= 10:
            break
    n = int(span / step) + 1
    return [round(i * step, 3) for i in range(n)]


def _checkouts(checkouts: list[dict]) -> str:
    if not checkouts:
        return ""
    rows = []
    for c in checkouts:
        status = c.get("status") or ("no answer" if c.get("error") else "–")
        alts = ", ".join(str(a) for a in c.get("alternatives") or [])
        rows.append(
            f"<tr><td><code>{esc(c.get('order_id'))}</code></td><td>{esc(c.get('step'))}</td>"
            f"<td>{esc(c.get('payment'))}</td><td>{esc(c.get('expected'))}</td>"
            f"<td><span class=\"st {esc(status.replace(' ', '-'))}\">{esc(status)}</span></td>"
            f"<td>{esc(c.get('message') or c.get('error') or '')}</td><td>{esc(alts)}</td>"
            f"<td class=\"num\">{num(c.get('elapsed_s'))}</td></tr>")
    return ("<details class=\"block\" open><summary>What the customers saw "
            f"({len(checkouts)})</summary><table><thead><tr><th>order</th><th>step</th><th>payment</th>"
            "<th>expected</th><th>status</th><th>message</th><th>alternatives</th><th>s</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details>")


def _exchanges(records: list[dict]) -> str:
    if not records:
        return ""
    rows = []
    for r in records:
        faults = "".join(f"<span class=\"fault\">{esc(f)}</span>" for f in r.get("faults") or [])
        rows.append(
            f"<tr class=\"{'faulted-row' if r.get('faults') else ''}\"><td><code>{esc(r.get('id'))}</code></td>"
            f"<td class=\"num\">{num(r.get('t_s'))}</td><td>{esc(r.get('upstream'))}</td>"
            f"<td><code>{esc(r.get('method'))} {esc(r.get('path'))}</code></td>"
            f"<td><code>{esc(r.get('idempotency_key') or '')}</code></td>"
            f"<td class=\"{_exchange_class(r)}-t\">{esc(r.get('status') if r.get('status') is not None else r.get('error') or 'none')}</td>"
            f"<td>{esc(r.get('outcome') or r.get('event') or '')}</td><td>{faults}</td>"
            f"<td class=\"num\">{num(r.get('duration_ms'))}</td></tr>")
    return (f"<details class=\"block\"><summary>Gateway exchanges ({len(records)})</summary><table>"
            "<thead><tr><th>journal id</th><th>t (s)</th><th>upstream</th><th>request</th>"
            "<th>idempotency key</th><th>status</th><th>outcome</th><th>faults</th><th>ms</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details>")


class HtmlReporter(Reporter):
    def __init__(self, report_dir: Path):
        self.path = Path(report_dir) / FILENAME

    def on_suite_finished(self, event: SuiteFinished) -> None:
        write_atomic(self.path, render(event.report))
