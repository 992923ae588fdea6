"""report.html: one self-contained page (inline CSS and SVG, no scripts or external assets) with
the verdict, a summary table, and per scenario its scores, findings with evidence, a timeline of
gateway exchanges with faults marked, and what each customer was told."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

from simulator.common.masking import mask_obj
from simulator.reporting.entries import DIMENSIONS, verdict_word
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
    if c.get("inconclusive"):
        stats.append(("inconclusive", c["inconclusive"]))
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
    word = verdict_word(e)
    return f"<span class=\"pill {'good' if word == 'PASS' else 'bad'}\">{word}</span>"


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
    if e.get("inconclusive") and not e.get("error"):
        error += ("<div class=\"error\"><b>Inconclusive: this run cannot carry a verdict.</b><ul>"
                  + "".join(f"<li>{esc(r)}</li>" for r in e["inconclusive"]) + "</ul></div>")
    return (
        f"<section class=\"card scenario\" id=\"{anchor(e['name'])}\">"
        f"<div class=\"scen-head\"><div><h2>{esc(e['name'])} {_verdict_pill(e)}</h2>"
        f"<p class=\"sub\"><span class=\"cause\">{esc(e.get('cause'))}</span> {esc(e.get('description') or '')}</p>"
        f"<p class=\"facts\">{' · '.join(esc(f) for f in facts)}</p>"
        + "".join(f"<p class=\"facts\">{esc(n)}</p>" for n in e.get("notes") or []) + "</div>"
        f"<div class=\"total {score_class(s.get('total'), e['required'])}\"><b>{num(s.get('total'))}</b>"
        f"<span>of 100 · needs {num(e['required'])}</span></div></div>"
        f"<div class=\"dims\">{dims}</div>{error}"
        + ("" if e.get("error") and not e.get("findings") else _findings(e.get("findings") or [], e["name"]))
        + _timeline(e)
        + _checkouts(e.get("checkouts") or [])
        + _exchanges(e.get("timeline") or [], e["name"])
        + "</section>"
    )


def _money(v) -> str:
    return "–" if v is None else f"{v / 100:,.2f}"


def _findings(findings: list[dict], scenario: str) -> str:
    if not findings:
        return "<h3>Findings</h3><p class=\"muted\">No findings: nothing to improve in this scenario.</p>"
    items = []
    for f in findings:
        chips, tables = [], []
        for key, value in (f.get("evidence") or {}).items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                tables.append(_ev_table(key, value, scenario))
            else:
                chips.append(f"<span class=\"ev\"><b>{esc(key)}</b> {_ev_value(value, scenario)}</span>")
        items.append(
            f"<li class=\"finding {esc(f.get('severity'))}\"><div class=\"fhead\">"
            f"<span class=\"sev {esc(f.get('severity'))}\">{esc(f.get('severity'))}</span>"
            f"<span class=\"fdim\">{esc(f.get('dimension'))}</span><code>{esc(f.get('rule'))}</code></div>"
            f"<p>{esc(f.get('message'))}</p>" + (f"<div class=\"evs\">{''.join(chips)}</div>" if chips else "")
            + "".join(tables) + "</li>")
    return f"<h3>Findings</h3><ul class=\"findings\">{''.join(items)}</ul>"


EV_ITEMS, EV_ROWS, EV_CELL = 12, 5, 160


def _ev_value(v, scenario: str) -> str:
    if isinstance(v, list):
        shown = ", ".join(_ev_scalar(x, scenario) for x in v[:EV_ITEMS])
        return shown + (f" … ({len(v)} in all)" if len(v) > EV_ITEMS else "")
    if isinstance(v, dict):
        return esc(_clip(json.dumps(v, ensure_ascii=False), EV_CELL * 2))
    return _ev_scalar(v, scenario)


def _ev_scalar(v, scenario: str) -> str:
    text = str(v)
    if text.startswith("j-") and text[2:].isdigit():  # a journal id: link to its exchange
        return f"<a href=\"#{anchor(scenario)}-{esc(text)}\">{esc(text)}</a>"
    return esc(_clip(text, EV_CELL))


def _ev_table(key: str, rows: list[dict], scenario: str) -> str:
    cols = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_ev_value(row.get(c), scenario) if c in row else ''}</td>"
                                    for c in cols) + "</tr>" for row in rows[:EV_ROWS])
    more = f"<p class=\"muted\">… {len(rows) - EV_ROWS} more in report.json</p>" if len(rows) > EV_ROWS else ""
    return (f"<details class=\"evt\"><summary>{esc(key)} ({len(rows)})</summary><div class=\"scroll\">"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}</details>")


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def secs(v) -> str:
    if v is None:
        return "–"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


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
    """An SVG: one lane per upstream (and one for the customers' checkouts), one bar per exchange
    from its start to its end, coloured by what the client saw, faulted exchanges outlined and
    marked with a red triangle. Bars that overlap in time are stacked in sub-rows."""
    records = [r for r in e.get("timeline") or [] if r.get("t_s") is not None]
    checkouts = [c for c in e.get("checkouts") or [] if c.get("t_s") is not None]
    if not records and not checkouts:
        return "<h3>Timeline</h3><p class=\"muted\">No gateway exchanges were recorded.</p>"
    bars: dict[str, list[dict]] = {}
    for c in checkouts:
        cls = {"paid": "c-paid", "pending": "c-pending", "failed": "c-failed"}.get(c.get("status") or "", "c-none")
        tip = (f"{c.get('order_id')} {c.get('step')}: {c.get('status') or c.get('error') or 'no answer'}"
               f" after {secs(c.get('elapsed_s'))} s — {c.get('message') or ''}")
        bars.setdefault("customer", []).append(
            {"t0": c["t_s"], "t1": c["t_s"] + (c.get("elapsed_s") or 0), "cls": cls, "tip": tip, "fault": False})
    for r in records:
        faulted = bool(r.get("faults"))
        tip = (f"{r.get('id')} {r.get('method')} {r.get('path')} → {r.get('status') or r.get('error') or 'no response'}"
               + (f" · fault: {', '.join(r['faults'])}" if faulted else "") + _made_by_fault(r)
               + (f" · key {r['idempotency_key']}" if r.get("idempotency_key") else "")
               + f" · {num(r.get('duration_ms'))} ms")
        bars.setdefault(r["upstream"], []).append(
            {"t0": r["t_s"], "t1": r["t_s"] + (r.get("duration_ms") or 0) / 1000,
             "cls": _exchange_class(r) + (" faulted" if faulted else ""), "tip": tip, "fault": faulted})
    lanes = [lane for lane in LANES if lane in bars] + sorted(set(bars) - set(LANES))
    span = max(b["t1"] for lane in bars.values() for b in lane) * 1.04 or 0.001
    left, width, bar_h, gap = 92, 1000, 12, 3
    x = lambda t: left + (width - left - 10) * (t / span)  # noqa: E731
    rows = {lane: _pack(bars[lane], span / 300) for lane in lanes}
    tops, y = {}, 18
    for lane in lanes:
        tops[lane] = y
        y += 10 + rows[lane] * (bar_h + gap)
    height = y + 22
    parts = [f"<svg class=\"timeline\" viewBox=\"0 0 {width} {height}\" role=\"img\" "
             f"aria-label=\"timeline of gateway exchanges\">"]
    for i, lane in enumerate(lanes):
        lane_h = 4 + rows[lane] * (bar_h + gap) + 3
        parts.append(f"<rect x=\"{left}\" y=\"{tops[lane]}\" width=\"{width - left - 10}\" height=\"{lane_h}\" "
                     f"class=\"lane{' alt' if i % 2 else ''}\"/>"
                     f"<text x=\"{left - 8}\" y=\"{tops[lane] + lane_h / 2}\" class=\"lane-label\">{esc(lane)}</text>")
    for tick in _ticks(span):
        tx = x(tick)
        parts.append(f"<line x1=\"{tx:.1f}\" x2=\"{tx:.1f}\" y1=\"14\" y2=\"{height - 18}\" class=\"tick\"/>"
                     f"<text x=\"{tx:.1f}\" y=\"{height - 5}\" class=\"tick-label\">{tick:g}s</text>")
    for lane in lanes:
        for b in bars[lane]:
            by = tops[lane] + 4 + b["row"] * (bar_h + gap)
            x0, x1 = x(b["t0"]), x(b["t1"])
            parts.append(f"<rect x=\"{x0:.1f}\" y=\"{by}\" width=\"{max(3.0, x1 - x0):.1f}\" height=\"{bar_h}\" "
                         f"rx=\"2\" class=\"{b['cls']}\"><title>{esc(b['tip'])}</title></rect>")
            if b["fault"]:
                parts.append(f"<path d=\"M{x0 + 1.5:.1f} {by + 1} l-4 -6 h8 z\" class=\"fault-mark\">"
                             f"<title>{esc(b['tip'])}</title></path>")
    parts.append("</svg>")
    legend = ("<div class=\"legend\"><span class=\"x-ok\"></span>2xx <span class=\"x-4xx\"></span>4xx "
              "<span class=\"x-5xx\"></span>5xx <span class=\"x-none\"></span>no response "
              "<span class=\"fault-key\">▼</span>fault applied "
              "<span class=\"c-paid\"></span>customer: paid <span class=\"c-pending\"></span>pending "
              "<span class=\"c-failed\"></span>failed <span class=\"c-none\"></span>no answer</div>")
    return f"<h3>Timeline</h3><div class=\"tl-wrap\">{''.join(parts)}</div>{legend}"


MAX_ROWS = 8


def _pack(bars: list[dict], min_gap: float) -> int:
    """Give each bar the first sub-row free at its start (bars sorted by start); the row count."""
    ends: list[float] = []
    for b in sorted(bars, key=lambda b: b["t0"]):
        row = next((i for i, end in enumerate(ends) if end + min_gap <= b["t0"]), None)
        if row is None:
            row = len(ends) if len(ends) < MAX_ROWS else min(range(len(ends)), key=ends.__getitem__)
            if row == len(ends):
                ends.append(0.0)
        ends[row] = max(ends[row], b["t1"])
        b["row"] = row
    return max(1, len(ends))


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
            f"<tr><td class=\"nowrap\"><code>{esc(c.get('order_id'))}</code></td><td>{esc(c.get('step'))}</td>"
            f"<td class=\"narrow\">{esc(c.get('payment'))}</td><td class=\"narrow\">{esc(c.get('expected'))}</td>"
            f"<td><span class=\"st {esc(status.replace(' ', '-'))}\">{esc(status)}</span></td>"
            f"<td>{esc(c.get('message') or c.get('error') or '')}</td><td>{esc(alts)}</td>"
            f"<td class=\"narrow\">{esc(', '.join(c.get('tied_by') or []) or '–')}</td>"
            f"<td class=\"num\">{secs(c.get('elapsed_s'))}</td></tr>")
    return ("<details class=\"block\" open><summary>What the customers saw "
            f"({len(checkouts)})</summary><div class=\"scroll\"><table><thead><tr><th>order</th><th>step</th><th>payment</th>"
            "<th>expected</th><th>status</th><th>message</th><th>alternatives</th>"
            "<th title=\"how the gateway's money was tied to this order (docs/scoring.md)\">money tied by</th>"
            "<th>s</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div></details>")


def _made_by_fault(r: dict) -> str:
    """What sets a delivery a webhook fault made apart from the genuine one it copies."""
    if r.get("forged"):
        return f" · forged ({r['forged']}), after {r.get('replay_of')}"
    return f" · copy of {r['replay_of']}" if r.get("replay_of") else ""


def _exchanges(records: list[dict], scenario: str) -> str:
    if not records:
        return ""
    rows = []
    for r in records:
        faults = "".join(f"<span class=\"fault\">{esc(f)}</span>" for f in r.get("faults") or [])
        rows.append(
            f"<tr id=\"{anchor(scenario)}-{esc(r.get('id'))}\" class=\"{'faulted-row' if r.get('faults') else ''}\">"
            f"<td><code>{esc(r.get('id'))}</code></td>"
            f"<td class=\"num\">{secs(r.get('t_s'))}</td><td>{esc(r.get('upstream'))}</td>"
            f"<td><code>{esc(r.get('method'))} {esc(r.get('path'))}</code></td>"
            f"<td><code>{esc(r.get('idempotency_key') or '')}</code></td>"
            f"<td class=\"{_exchange_class(r)}-t\">{esc(r.get('status') if r.get('status') is not None else r.get('error') or 'none')}</td>"
            f"<td>{esc(r.get('outcome') or r.get('event') or '')}{esc(_made_by_fault(r))}</td><td>{faults}</td>"
            f"<td class=\"num\">{num(r.get('duration_ms'))}</td></tr>")
    return (f"<details class=\"block\"><summary>Gateway exchanges ({len(records)})</summary><div class=\"scroll\"><table>"
            "<thead><tr><th>journal id</th><th>t (s)</th><th>upstream</th><th>request</th>"
            "<th>idempotency key</th><th>status</th><th>outcome</th><th>faults</th><th>ms</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div></details>")


class HtmlReporter(Reporter):
    def __init__(self, report_dir: Path):
        self.path = Path(report_dir) / FILENAME

    def on_suite_finished(self, event: SuiteFinished) -> None:
        write_atomic(self.path, render(event.report))
