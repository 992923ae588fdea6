"""report.html: one self-contained page (inline CSS and SVG, no scripts or external assets): the
verdict, what to fix (findings rolled up by rule, worst first, with a fix hint and a docs link), what
changed since the baseline, the scorecard, then the scenarios, failures first and open, passed ones
collapsed, a failed / all filter (CSS only), and per scenario its scores, findings with evidence as
tables, the steps to reproduce it by hand, a timeline of gateway exchanges with faults marked, what
each customer was told and the exchanges in time order. Usable at 390 px; prints cleanly.

The page is the Jinja2 template `templates/report.html.j2` (autoescaped: whatever a merchant said is
text, never markup); this module gives it the report and small helpers; the timeline SVG is drawn
in Python (`html_timeline`).
"""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from paychaos.common.masking import mask_obj
from paychaos.reporting.entries import DIMENSIONS, verdict_word
from paychaos.reporting.events import SuiteFinished
from paychaos.reporting.fanout import Reporter
from paychaos.reporting.files import write_atomic
from paychaos.reporting.fixes import fix_for
from paychaos.reporting.html_style import CSS
from paychaos.reporting.html_timeline import exchange_class, made_by_fault, num, secs, timeline
from paychaos.reporting.money import format_money
from paychaos.reporting.repro import steps as repro_steps
from paychaos.reporting.rollup import rollup

FILENAME = "report.html"
TEMPLATE = "report.html.j2"
SCENARIO_LINKS = 4   # scenarios named per rule in "What to fix"; the rest counted
EV_ITEMS, EV_ROWS, EV_CELL, EV_DEPTH = 12, 5, 160, 3
RAW_MAX = 4000       # characters of a raw body shown in its expander
MSG_CHARS = 200      # a message longer than this (a raw body passed through) is clipped behind an expander
MONEY_KEYS = ("amount", "captured", "refunded", "net", "amount_captured", "amount_refunded", "charged")
VERDICT_RANK = {"ERROR": 0, "FAIL": 1, "INCONCLUSIVE": 2, "PASS": 3}
PILL = {"PASS": "good", "INCONCLUSIVE": "warn"}


def score_class(v, required: float = 80) -> str:
    if v is None:
        return "na"
    return "good" if v >= required else ("warn" if v >= required - 30 else "bad")


def anchor(name: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in str(name))


def failures_first(scenarios: list[dict]) -> list[dict]:
    """Errored, failed, inconclusive, then passed; run order within each."""
    return sorted(scenarios, key=lambda e: VERDICT_RANK[verdict_word(e)])


def clip(text, n: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def why(e: dict) -> str:
    """One line on why a scenario did not pass: its error, first inconclusive reason or worst finding."""
    if e.get("error"):
        return clip(" ".join(str(e["error"]).split()), 160)
    if e.get("inconclusive"):
        return e["inconclusive"][0]
    worst = next((f for f in e.get("findings") or [] if f.get("severity") != "info"), None)
    if worst:
        return f"{worst['severity']}: {clip(worst.get('message') or '', 160)}"
    return f"score {num(e['score'].get('total'))} below {num(e['required'])}"


def facts(e: dict) -> list[str]:
    out = []
    if e.get("duration_s") is not None:
        out.append(f"{num(e['duration_s'])} s")
    if e.get("checkouts") is not None:
        out.append(f"{len(e['checkouts'])} checkouts")
    if e.get("gateway_calls") is not None:
        out.append(f"{e['gateway_calls']} gateway calls")
    if e.get("faults_applied") is not None:
        out.append(f"{e['faults_applied']} exchanges faulted")
    by_cur = e.get("money_by_currency")
    if by_cur:
        for gateway, currencies in by_cur.items():
            for cur, m in (currencies or {}).items():
                out.append(f"{gateway}: captured {format_money(m.get('captured'), cur)}, "
                           f"refunded {format_money(m.get('refunded'), cur)}")
    else:   # a report from before money_by_currency
        for gateway, m in (e.get("money") or {}).items():
            out.append(f"{gateway}: captured {format_money(m.get('captured'), None)}, "
                       f"refunded {format_money(m.get('refunded'), None)}")
    return out


def raw_body(text: str) -> str:
    """A raw body for its expander: indented when it is JSON, cut at RAW_MAX characters."""
    try:
        whole = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        whole = text
    if len(whole) > RAW_MAX:
        whole = whole[:RAW_MAX] + f"\n… {len(whole) - RAW_MAX} more characters in report.json"
    return whole


def in_time_order(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r.get("t_s") is None, r.get("t_s") or 0))


def _is_list(v) -> bool:
    return isinstance(v, list | tuple)


HELPERS = {
    "num": num, "secs": secs, "score_class": score_class, "anchor": anchor, "clip": clip, "why": why,
    "facts": facts, "failures_first": failures_first, "verdict_word": verdict_word, "fix_for": fix_for,
    "format_money": format_money, "raw_body": raw_body, "in_time_order": in_time_order,
    "exchange_class": exchange_class, "made_by_fault": made_by_fault, "repro_steps": repro_steps,
    "timeline": lambda e: Markup(timeline(e)),   # drawn in Python, every text in it escaped there
    "to_json": lambda v: json.dumps(v, ensure_ascii=False),
    "columns_of": lambda rows: list(dict.fromkeys(k for row in rows for k in row)),
    "is_list": _is_list,
    "is_records": lambda v: _is_list(v) and bool(v) and all(isinstance(x, dict) for x in v),
    "is_int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "is_journal_id": lambda v: isinstance(v, str) and v.startswith("j-") and v[2:].isdigit(),
    "DIMENSIONS": DIMENSIONS, "PILL": PILL, "SCENARIO_LINKS": SCENARIO_LINKS, "EV_ITEMS": EV_ITEMS,
    "EV_ROWS": EV_ROWS, "EV_CELL": EV_CELL, "EV_DEPTH": EV_DEPTH, "MSG_CHARS": MSG_CHARS, "MONEY_KEYS": MONEY_KEYS,
}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("paychaos.reporting", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.globals.update(HELPERS)
    return env


def render(report: dict) -> str:
    report = mask_obj(report)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(report.get("started_at") or 0))
    return environment().get_template(TEMPLATE).render(report=report, fixes=rollup(report), css=Markup(CSS),
                                                       started=when)


class HtmlReporter(Reporter):
    def __init__(self, report_dir: Path):
        self.path = Path(report_dir) / FILENAME

    def on_suite_finished(self, event: SuiteFinished) -> None:
        write_atomic(self.path, render(event.report))
