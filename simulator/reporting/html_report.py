"""report.html: one self-contained page (inline CSS and SVG, no scripts or external assets): the
verdict, what to fix (findings rolled up by rule, worst first, with a fix hint and a docs link), what
changed since the baseline, the scorecard, then the scenarios, failures first and open, passed ones
collapsed, a failed / all filter (CSS only), and per scenario its scores, findings with evidence as
tables, the steps to reproduce it by hand, a timeline of gateway exchanges with faults marked, what
each customer was told and the exchanges in time order. Usable at 390 px; prints cleanly."""

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
from simulator.reporting.fixes import fix_for
from simulator.reporting.html_style import CSS
from simulator.reporting.money import format_money
from simulator.reporting.repro import steps as repro_steps
from simulator.reporting.rollup import rollup

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
    failing = [e for e in report["scenarios"] if not e["passed"]]
    body = [_header(report), _what_to_fix(report), _baseline(report), _summary(report),
            _scenarios(report, failing)]
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


SCENARIO_LINKS = 4   # scenarios named per rule in "What to fix"; the rest counted


def _what_to_fix(report: dict) -> str:
    rows = rollup(report)
    if not rows:
        if report["passed"]:
            return ""
        return ("<section class=\"card fix\" id=\"what-to-fix\"><h2>What to fix</h2><p class=\"muted\">No findings: "
                "the failures are errors or inconclusive runs, listed below with their reasons.</p></section>")
    items = []
    for r in rows:
        names = r["scenarios"]
        links = ", ".join(f"<a href=\"#{anchor(n)}\">{esc(n)}</a>" for n in names[:SCENARIO_LINKS])
        if len(names) > SCENARIO_LINKS:
            links += f" and {len(names) - SCENARIO_LINKS} more"
        hits = (f"{len(names)} scenario{'s' if len(names) != 1 else ''}"
                + (f" · {r['orders']} order{'s' if r['orders'] != 1 else ''}" if r["orders"] else "")
                + f" · {r['findings']} finding{'s' if r['findings'] != 1 else ''}")
        items.append(
            f"<li class=\"fixrow {esc(r['severity'])}\"><div class=\"fhead\">"
            f"<span class=\"sev {esc(r['severity'])}\">{esc(r['severity'])}</span><code>{esc(r['rule'])}</code>"
            f"<span class=\"hits\">{hits}</span></div>"
            f"<p class=\"fixline\"><b>Fix:</b> {esc(r['fix'])} <a href=\"{esc(r['docs'])}\">rule docs</a></p>"
            f"<p class=\"why\">e.g. {esc(_clip(r['message'], 240))} <span class=\"muted\">in {links}</span></p></li>")
    return (f"<section class=\"card fix\" id=\"what-to-fix\"><h2>What to fix</h2><p class=\"muted\">"
            f"{len(rows)} rule{'s' if len(rows) != 1 else ''} found something, worst first (critical, major, minor)."
            f"</p><ol class=\"fixes\">{''.join(items)}</ol></section>")


def _baseline(report: dict) -> str:
    base = report.get("baseline")
    if not base:
        return ""
    n = base["counts"]

    def listing(kind: str) -> str:
        items = base[kind]
        if not items:
            return "<p class=\"muted\">none</p>"
        return "<ul class=\"delta\">" + "".join(
            f"<li><span class=\"sev {esc(i['severity'])}\">{esc(i['severity'])}</span> "
            f"<a href=\"#{anchor(i['scenario'])}\">{esc(i['scenario'])}</a> <code>{esc(i['rule'])}</code> "
            f"{esc(_clip(i['message'], 240))}</li>" for i in items) + "</ul>"

    return (f"<section class=\"card\" id=\"since-baseline\"><h2>Since the baseline</h2>"
            f"<p class=\"muted\">compared with <code>{esc(base.get('file') or 'report.json')}</code>: "
            f"<b class=\"bad-t\">{n['new']} new</b>, <b class=\"good-t\">{n['fixed']} fixed</b>, "
            f"{n['unchanged']} unchanged finding(s)</p>"
            f"<h3>New</h3>{listing('new')}<h3>Fixed</h3>{listing('fixed')}"
            f"<details class=\"block\"><summary>Unchanged ({n['unchanged']})</summary>{listing('unchanged')}</details>"
            "</section>")


VERDICT_RANK = {"ERROR": 0, "FAIL": 1, "INCONCLUSIVE": 2, "PASS": 3}


def failures_first(scenarios: list[dict]) -> list[dict]:
    """Errored, failed, inconclusive, then passed; run order within each."""
    return sorted(scenarios, key=lambda e: VERDICT_RANK[verdict_word(e)])


def _summary(report: dict) -> str:
    optional = {"cause", "findings"}   # hidden on a phone: the columns that fit matter more
    head = "".join(("<th class=\"opt\">" if h in optional else "<th>") + f"{esc(h)}</th>"
                   for h in ("scenario", "cause", "total", *DIMENSIONS, "required", "findings", "verdict"))
    rows = []
    for e in failures_first(report["scenarios"]):
        s, req = e["score"], e["required"]
        counts = _severity_counts(e.get("findings") or [])
        rows.append(
            f"<tr><td><a href=\"#{anchor(e['name'])}\">{esc(e['name'])}</a></td>"
            f"<td class=\"opt\"><span class=\"cause\">{esc(e.get('cause'))}</span></td>"
            f"<td class=\"num\">{_meter(s.get('total'), req)}</td>"
            + "".join(f"<td class=\"num {score_class(s.get(d), req)}\">{num(s.get(d))}</td>" for d in DIMENSIONS)
            + f"<td class=\"num\">{num(req)}</td><td class=\"opt\">{counts}</td><td>{_verdict_pill(e)}</td></tr>"
        )
    for name in report.get("not_run") or []:
        rows.append(f"<tr class=\"muted\"><td>{esc(name)}</td><td colspan=\"8\">not run (interrupted)</td>"
                    "<td><span class=\"pill na\">NOT RUN</span></td></tr>")
    return (f"<section class=\"card\"><h2>Scorecard</h2><div class=\"scroll\"><table class=\"summary\"><thead>"
            f"<tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>")


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


PILL = {"PASS": "good", "INCONCLUSIVE": "warn"}


def _verdict_pill(e: dict) -> str:
    word = verdict_word(e)
    return f"<span class=\"pill {PILL.get(word, 'bad')}\">{word}</span>"


def _scenarios(report: dict, failing: list[dict]) -> str:
    """The scenarios, failures first and open, passed ones collapsed. The failed / all filter is two
    radio buttons and CSS (no script): "failed" hides passed scenarios unless a link targets one."""
    ordered = failures_first(report["scenarios"])
    show_failed = bool(failing)
    bar = ("<input type=\"radio\" name=\"show\" id=\"show-failed\" class=\"filter\""
           + (" checked" if show_failed else "") + ">"
           "<input type=\"radio\" name=\"show\" id=\"show-all\" class=\"filter\""
           + ("" if show_failed else " checked") + ">"
           "<div class=\"filterbar\"><span class=\"muted\">Show</span>"
           f"<label for=\"show-failed\">not passed ({len(failing)})</label>"
           f"<label for=\"show-all\">all ({len(ordered)})</label></div>")
    return (f"<section class=\"scenarios-wrap\" id=\"scenarios\">{bar}<div class=\"scenarios\">"
            + "".join(_scenario(e, report) for e in ordered) + "</div></section>")


def _scenario(e: dict, report: dict) -> str:
    s = e["score"]
    word = verdict_word(e)
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
    facts += _money_facts(e)
    error = (f"<div class=\"error\"><b>The scenario could not run properly.</b><pre>{esc(e['error'])}</pre></div>"
             if e.get("error") else "")
    if e.get("inconclusive") and not e.get("error"):
        error += ("<div class=\"error warnbox\"><b>Inconclusive: this run cannot carry a verdict.</b><ul>"
                  + "".join(f"<li>{esc(r)}</li>" for r in e["inconclusive"]) + "</ul></div>")
    worst = next((f for f in e.get("findings") or [] if f.get("severity") != "info"), None)
    why = ""
    if word != "PASS":
        reason = (_clip(str(e.get("error")), 160) if e.get("error")
                  else (e.get("inconclusive") or [""])[0] if e.get("inconclusive")
                  else f"{worst['severity']}: {_clip(worst.get('message') or '', 160)}" if worst
                  else f"score {num(s.get('total'))} below {num(e['required'])}")
        why = f"<span class=\"why-short\">{esc(reason)}</span>"
    return (
        f"<details class=\"card scenario {'pass' if word == 'PASS' else 'notpass'}\" id=\"{anchor(e['name'])}\""
        + ("" if word == "PASS" else " open") + ">"
        f"<summary><span class=\"sname\">{esc(e['name'])}</span> {_verdict_pill(e)} "
        f"<span class=\"stotal {score_class(s.get('total'), e['required'])}\">{num(s.get('total'))}"
        f"<small> / needs {num(e['required'])}</small></span>{why}</summary>"
        f"<div class=\"scen-head\"><div>"
        f"<p class=\"sub\"><span class=\"cause\">{esc(e.get('cause'))}</span> {esc(e.get('description') or '')}</p>"
        f"<p class=\"facts\">{' · '.join(esc(f) for f in facts)}</p>"
        + "".join(f"<p class=\"facts\">{esc(n)}</p>" for n in e.get("notes") or []) + "</div>"
        f"<div class=\"total {score_class(s.get('total'), e['required'])}\"><b>{num(s.get('total'))}</b>"
        f"<span>of 100 · needs {num(e['required'])}</span></div></div>"
        f"<div class=\"dims\">{dims}</div>{error}"
        + ("" if e.get("error") and not e.get("findings") else _findings(e.get("findings") or [], e["name"]))
        + (_repro(e, report) if word != "PASS" else "")
        + _timeline(e)
        + _checkouts(e.get("checkouts") or [])
        + _exchanges(e.get("timeline") or [], e["name"])
        + "</details>"
    )


def _repro(e: dict, report: dict) -> str:
    lines = repro_steps(e, report)
    return ("<h3>Reproduce by hand</h3><pre class=\"repro\">"
            + "\n".join(f"<span class=\"c\">{esc(x)}</span>" if x.startswith("#") else esc(x) for x in lines)
            + "</pre>")


def _money_facts(e: dict) -> list[str]:
    by_cur = e.get("money_by_currency")
    out = []
    if by_cur:
        for gateway, currencies in by_cur.items():
            for cur, m in (currencies or {}).items():
                out.append(f"{gateway}: captured {format_money(m.get('captured'), cur)}, "
                           f"refunded {format_money(m.get('refunded'), cur)}")
        return out
    for name, m in (e.get("money") or {}).items():   # a report from before money_by_currency
        out.append(f"{name}: captured {format_money(m.get('captured'), None)}, "
                   f"refunded {format_money(m.get('refunded'), None)}")
    return out


def _findings(findings: list[dict], scenario: str) -> str:
    if not findings:
        return "<h3>Findings</h3><p class=\"muted\">No findings: nothing to improve in this scenario.</p>"
    items = []
    for f in findings:
        evidence = f.get("evidence") or {}
        items.append(
            f"<li class=\"finding {esc(f.get('severity'))}\"><div class=\"fhead\">"
            f"<span class=\"sev {esc(f.get('severity'))}\">{esc(f.get('severity'))}</span>"
            f"<span class=\"fdim\">{esc(f.get('dimension'))}</span><code>{esc(f.get('rule'))}</code></div>"
            f"<p>{esc(f.get('message'))}</p>"
            + (f"<p class=\"fixline\"><b>Fix:</b> {esc(fix_for(str(f.get('rule'))))}</p>"
               if f.get("severity") != "info" else "")
            + (_evidence(evidence, scenario) if evidence else "") + "</li>")
    return f"<h3>Findings</h3><ul class=\"findings\">{''.join(items)}</ul>"


EV_ITEMS, EV_ROWS, EV_CELL, EV_DEPTH = 12, 5, 160, 3
RAW_MAX = 4000    # characters of a raw body shown in its expander
MONEY_KEYS = ("amount", "captured", "refunded", "net", "amount_captured", "amount_refunded", "charged")


def _evidence(evidence: dict, scenario: str) -> str:
    """A finding's evidence as a small key / value table; lists of records as tables behind an
    expander (first EV_ROWS rows), nested objects as nested tables, money with its currency."""
    return f"<table class=\"kv\"><tbody>{_kv_rows(evidence, scenario, 0)}</tbody></table>"


def _kv_rows(d: dict, scenario: str, depth: int) -> str:
    currency = d.get("currency") if isinstance(d.get("currency"), str) else None
    rows = []
    for key, value in d.items():
        rows.append(f"<tr><th>{esc(key)}</th><td>{_ev_any(key, value, scenario, depth, currency)}</td></tr>")
    return "".join(rows)


def _ev_any(key, v, scenario: str, depth: int, currency: str | None = None) -> str:
    if isinstance(v, dict):
        if depth >= EV_DEPTH:
            return f"<code class=\"json\">{esc(_clip(json.dumps(v, ensure_ascii=False), EV_CELL * 2))}</code>"
        return f"<table class=\"kv\"><tbody>{_kv_rows(v, scenario, depth + 1)}</tbody></table>"
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        return _ev_table(str(key), v, scenario)
    if isinstance(v, list):
        shown = ", ".join(_ev_scalar(x, scenario) for x in v[:EV_ITEMS])
        return shown + (f" … ({len(v)} in all)" if len(v) > EV_ITEMS else "")
    if currency and key in MONEY_KEYS and isinstance(v, int) and not isinstance(v, bool):
        return esc(format_money(v, currency))
    return _ev_scalar(v, scenario)


def _ev_value(v, scenario: str) -> str:
    return _ev_any("", v, scenario, EV_DEPTH)


def _ev_scalar(v, scenario: str) -> str:
    if v is None:
        return "<span class=\"muted\">null</span>"
    if isinstance(v, dict | list):
        return f"<code class=\"json\">{esc(_clip(json.dumps(v, ensure_ascii=False), EV_CELL))}</code>"
    text = str(v)
    if text.startswith("j-") and text[2:].isdigit():  # a journal id: link to its exchange
        return f"<a href=\"#{anchor(scenario)}-{esc(text)}\">{esc(text)}</a>"
    return _long_text(text, EV_CELL)


def _long_text(text: str, n: int) -> str:
    """Short text as is; long text clipped, the whole of it behind an expander."""
    if len(text) <= n:
        return esc(text)
    whole = _pretty(text)
    if len(whole) > RAW_MAX:
        whole = whole[:RAW_MAX] + f"\n… {len(whole) - RAW_MAX} more characters in report.json"
    return (f"<details class=\"raw\"><summary>{esc(_clip(text, n))}</summary>"
            f"<pre>{esc(whole)}</pre></details>")


def _pretty(text: str) -> str:
    """A raw body: indented when it is JSON, else as it came."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        return text


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


MSG_CHARS = 200   # a message longer than this (a raw body passed through) is clipped behind an expander


def _checkouts(checkouts: list[dict]) -> str:
    if not checkouts:
        return ""
    rows = []
    for c in sorted(checkouts, key=lambda c: (c.get("t_s") is None, c.get("t_s") or 0)):
        status = c.get("status") or ("no answer" if c.get("error") else "–")
        alts = ", ".join(str(a) for a in c.get("alternatives") or [])
        rows.append(
            f"<tr><td class=\"nowrap\"><code>{esc(c.get('order_id'))}</code></td><td>{esc(c.get('step'))}</td>"
            f"<td class=\"narrow\">{esc(c.get('payment'))}</td><td class=\"narrow\">{esc(c.get('expected'))}</td>"
            f"<td><span class=\"st {esc(status.replace(' ', '-'))}\">{esc(status)}</span></td>"
            f"<td class=\"num nowrap\">{esc(format_money(c.get('amount'), c.get('currency')))}</td>"
            f"<td class=\"msg\">{_long_text(str(c.get('message') or c.get('error') or ''), MSG_CHARS)}</td>"
            f"<td>{esc(alts)}</td>"
            f"<td class=\"narrow\">{esc(', '.join(c.get('tied_by') or []) or '–')}</td>"
            f"<td class=\"num\">{secs(c.get('elapsed_s'))}</td></tr>")
    return ("<details class=\"block\" open><summary>What the customers saw "
            f"({len(checkouts)})</summary><div class=\"scroll\"><table><thead><tr><th>order</th><th>step</th><th>payment</th>"
            "<th>expected</th><th>status</th><th>amount</th><th>message</th><th>alternatives</th>"
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
    for r in sorted(records, key=lambda r: (r.get("t_s") is None, r.get("t_s") or 0)):   # time order
        faults = "".join(f"<span class=\"fault\">{esc(f)}</span>" for f in r.get("faults") or [])
        rows.append(
            f"<tr id=\"{anchor(scenario)}-{esc(r.get('id'))}\" class=\"{'faulted-row' if r.get('faults') else ''}\">"
            f"<td><code>{esc(r.get('id'))}</code></td>"
            f"<td class=\"num\">{secs(r.get('t_s'))}</td><td>{esc(r.get('upstream'))}</td>"
            f"<td><code>{esc(r.get('method'))} {esc(r.get('path'))}</code></td>"
            f"<td class=\"key\"><code>{esc(r.get('idempotency_key') or '')}</code></td>"
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
