"""The console: a progress bar while the suite runs (plain lines when the output is not a
terminal), then a table of scenario by dimension and the worst findings of each scenario."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from simulator.common.masking import mask_text
from simulator.reporting.entries import DIMENSIONS, verdict_word
from simulator.reporting.events import (
    CheckoutDone,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from simulator.reporting.fanout import Reporter

BAR_WIDTH = 28
WORST_FINDINGS = 3


class ConsoleReporter(Reporter):
    def __init__(self, stream: TextIO | None = None, *, color: bool | None = None, tty: bool | None = None):
        self.out = stream or sys.stdout
        isatty = getattr(self.out, "isatty", lambda: False)()
        self.tty = isatty if tty is None else tty
        self.color = (self.tty and "NO_COLOR" not in os.environ) if color is None else color
        self.total = 0
        self.done = 0
        self.checkouts = 0
        self.running: list[str] = []

    # -- events -----------------------------------------------------------------------------
    def on_suite_started(self, event: SuiteStarted) -> None:
        self.total = len(event.scenarios)
        required = "each scenario's threshold" if event.min_score is None else f"{event.min_score:g}"
        self._line(f"paychaos: {self.total} scenario(s) against {event.target or 'the target'} "
                   f"with {event.workers} worker(s); required score: {required}")
        self._bar()

    def on_scenario_started(self, event: ScenarioStarted) -> None:
        self.running.append(event.name)
        self._bar()

    def on_checkout_done(self, event: CheckoutDone) -> None:
        self.checkouts += 1
        self._bar()

    def on_scenario_finished(self, event: ScenarioFinished) -> None:
        entry = event.entry
        if entry["name"] in self.running:
            self.running.remove(entry["name"])
        self.done += 1
        self._line(f"[{self.done}/{self.total}] {self._verdict(entry):<7} {_num(entry['score']['total']):>5}  "
                   f"{entry['name']}" + (f"  ({_clip(entry['error'], 80)})" if entry.get("error") else ""))
        self._bar()

    def on_suite_finished(self, event: SuiteFinished) -> None:
        self._clear_bar()
        self.out.write("\n" + render_table(event.report, self._paint) + "\n")
        self.out.flush()

    # -- drawing ----------------------------------------------------------------------------
    def _bar(self) -> None:
        if not self.tty or not self.total:
            return
        filled = int(BAR_WIDTH * self.done / self.total)
        now = ", ".join(self.running)[:40]
        text = (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} scenarios, "
                f"{self.checkouts} checkouts  {now}")
        self.out.write("\r\x1b[2K" + text)
        self.out.flush()

    def _clear_bar(self) -> None:
        if self.tty:
            self.out.write("\r\x1b[2K")

    def _line(self, text: str) -> None:
        self._clear_bar()
        self.out.write(mask_text(text) + "\n")
        self.out.flush()

    def _verdict(self, entry: dict) -> str:
        word = verdict_word(entry)
        return self._paint(word, {"PASS": "green", "INCONCLUSIVE": "yellow"}.get(word, "red"))

    def _paint(self, text: str, color: str) -> str:
        if not self.color:
            return text
        code = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}[color]
        return f"\x1b[{code}m{text}\x1b[0m"


def render_table(report: dict, paint=lambda text, color: text) -> str:
    """The scorecard: one row per scenario, one column per dimension, then the worst findings."""
    headers = ["scenario", "cause", "total", *DIMENSIONS, "required", "verdict"]
    rows = []
    for e in report["scenarios"]:
        s = e["score"]
        verdict = verdict_word(e)
        rows.append([e["name"], e.get("cause") or "", _num(s.get("total")),
                     *(_num(s.get(d)) for d in DIMENSIONS), f"{e['required']:g}", verdict])
    for name in report.get("not_run") or []:
        rows.append([name, "", "-", *("-" for _ in DIMENSIONS), "-", "NOT RUN"])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    numeric = set(range(2, len(headers) - 1))

    def fmt(row, header=False):
        cells = []
        for i, cell in enumerate(row):
            text = cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            if not header and i == len(row) - 1:
                text = paint(text, {"PASS": "green", "INCONCLUSIVE": "yellow"}.get(cell, "red"))
            cells.append(text)
        return "  ".join(cells).rstrip()

    lines = [paint(fmt(headers, True), "bold"), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    worst = [(e, f) for e in report["scenarios"] for f in (e.get("findings") or [])[:WORST_FINDINGS]
             if f.get("severity") != "info"]
    errored = [e for e in report["scenarios"] if e.get("error")]
    unsure = [e for e in report["scenarios"] if e.get("inconclusive") and not e.get("error")]
    if unsure:
        lines += ["", paint("Inconclusive: these scenarios exercised nothing or their evidence is incomplete", "bold")]
        for e in unsure:
            for reason in e["inconclusive"]:
                lines.append(f"  {e['name']}: " + paint("[inconclusive]", "yellow") + f" {_clip(reason, 200)}")
    if worst or errored:
        lines += ["", paint("Worst findings", "bold")]
        for e in errored:
            lines.append(f"  {e['name']}: error: {_clip(e['error'], 200)}")
        for e, f in worst:
            color = "red" if f.get("severity") in ("critical", "major") else "yellow"
            lines.append(f"  {e['name']}: " + paint(f"[{f.get('severity')}]", color)
                         + f" {f.get('dimension')}: {_clip(f.get('message') or '', 160)}")
    c = report["counts"]
    summary = (f"{c['passed']} passed, {c['failed']} failed, {c['errored']} errored"
               + (f", {c['inconclusive']} inconclusive" if c.get("inconclusive") else "")
               + (" (allowed)" if c.get("inconclusive") and report.get("allow_inconclusive") else "")
               + (f", {c['not_run']} not run" if c.get("not_run") else "")
               + f" of {c['scenarios']}; overall score {_num(report.get('total'))}")
    if report.get("interrupted"):
        summary += "; INTERRUPTED"
    lines += ["", paint(("PASSED: " if report["passed"] else "FAILED: ") + summary,
                        "green" if report["passed"] else "red")]
    return mask_text("\n".join(lines))


def _num(v) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
