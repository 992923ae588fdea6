"""The console: a progress bar while the suite runs (plain lines when the output is not a terminal),
then what to fix (findings rolled up by rule, worst first), what changed since the baseline, the
scorecard and the verdict line. Every line fits the terminal width (COLUMNS honoured).

Colour: `--color always|never|auto`; with auto, NO_COLOR (set, not empty) turns it off, then
FORCE_COLOR (set, not empty or 0) turns it on, else colour only on a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from typing import TextIO

from paychaos.common.masking import mask_text
from paychaos.reporting.entries import DIMENSIONS, verdict_word
from paychaos.reporting.events import (
    CheckoutDone,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from paychaos.reporting.fanout import Reporter
from paychaos.reporting.rollup import rollup

BAR_WIDTH = 20
COLOR_MODES = ("auto", "always", "never")
DEFAULT_WIDTH, MIN_WIDTH, MAX_WIDTH = 100, 40, 200
ROLLUP_ROWS = 10          # the rules shown under "What to fix" (all are in report.html)
BASELINE_ROWS = 8         # new / fixed findings listed (all are in report.json)
STYLES = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2",
          "critical": "1;97;41"}   # critical: bold white on red, apart from major's red


def wants_color(mode: str = "auto", stream: TextIO | None = None, env=None) -> bool:
    env = os.environ if env is None else env
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") not in (None, "", "0", "false"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal_width(env=None) -> int:
    """COLUMNS when set (a number), else the terminal's width, else 100; kept within 40-200."""
    env = os.environ if env is None else env
    raw = (env.get("COLUMNS") or "").strip()
    if raw.isdigit() and int(raw) > 0:
        width = int(raw)
    else:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


class ConsoleReporter(Reporter):
    def __init__(self, stream: TextIO | None = None, *, color: bool | str | None = None, tty: bool | None = None,
                 width: int | None = None):
        self.out = stream or sys.stdout
        isatty = getattr(self.out, "isatty", lambda: False)()
        self.tty = isatty if tty is None else tty
        if color is None or isinstance(color, str):
            self.color = wants_color(color or "auto", self.out)
        else:
            self.color = color
        self.width = width or terminal_width()
        self.total = 0
        self.done = 0
        self.checkouts = 0
        self.running: list[str] = []

    # -- events -----------------------------------------------------------------------------
    def on_suite_started(self, event: SuiteStarted) -> None:
        self.total = len(event.scenarios)
        required = "each scenario's threshold" if event.min_score is None else f"{event.min_score:g}"
        for line in _wrap(f"paychaos: {self.total} scenario(s) against {event.target or 'the target'} "
                          f"with {event.workers} worker(s); required score: {required}", self.width, "", "  "):
            self._line(line)
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
        word = verdict_word(entry)
        head = f"[{self.done}/{self.total}] {word:<7} {_num(entry['score']['total']):>5}  "
        tail = f"  ({' '.join(str(entry['error']).split())})" if entry.get("error") else ""
        text = _clip(head + entry["name"] + tail, self.width)
        self._line(text.replace(word, self._verdict_paint(word), 1))
        self._bar()

    def on_suite_finished(self, event: SuiteFinished) -> None:
        self._clear_bar()
        self.out.write("\n" + render_table(event.report, self._paint, width=self.width) + "\n")
        self.out.flush()

    # -- drawing ----------------------------------------------------------------------------
    def _bar(self) -> None:
        if not self.tty or not self.total:
            return
        filled = int(BAR_WIDTH * self.done / self.total)
        text = (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} scenarios, "
                f"{self.checkouts} checkouts  {', '.join(self.running)}")
        # one column short of the width: a line that fills the last column wraps on some terminals
        self.out.write("\r\x1b[2K" + _clip(text, self.width - 1))
        self.out.flush()

    def _clear_bar(self) -> None:
        if self.tty:
            self.out.write("\r\x1b[2K")

    def _line(self, text: str) -> None:
        self._clear_bar()
        self.out.write(mask_text(text) + "\n")
        self.out.flush()

    def _verdict_paint(self, word: str) -> str:
        return self._paint(word, {"PASS": "green", "INCONCLUSIVE": "yellow"}.get(word, "red"))

    def _paint(self, text: str, color: str) -> str:
        if not self.color:
            return text
        return f"\x1b[{STYLES[color]}m{text}\x1b[0m"


def _plain(text, color):
    return text


SEVERITY_STYLE = {"critical": "critical", "major": "red", "minor": "yellow"}


def render_table(report: dict, paint=_plain, *, width: int = DEFAULT_WIDTH) -> str:
    """What to fix, what changed since the baseline, the scorecard, inconclusive and errored
    scenarios, and the verdict line; no line wider than `width` (colour codes aside)."""
    lines: list[str] = []
    lines += _what_to_fix(report, paint, width)
    lines += _since_baseline(report, paint, width)
    lines += _scorecard(report, paint, width)
    unsure = [e for e in report["scenarios"] if e.get("inconclusive") and not e.get("error")]
    if unsure:
        lines += ["", paint(_clip("Inconclusive: these scenarios exercised nothing or their evidence is incomplete",
                                  width), "bold")]
        for e in unsure:
            for reason in e["inconclusive"]:
                lines += _wrap(f"{e['name']}: [inconclusive] {reason}", width, "  ", "    ")
    errored = [e for e in report["scenarios"] if e.get("error")]
    if errored:
        lines += ["", paint("Errored", "bold")]
        for e in errored:
            lines += _wrap(f"{e['name']}: error: {_clip(e['error'], 400)}", width, "  ", "    ")
    c = report["counts"]
    summary = (f"{c['passed']} passed, {c['failed']} failed, {c['errored']} errored"
               + (f", {c['inconclusive']} inconclusive" if c.get("inconclusive") else "")
               + (" (allowed)" if c.get("inconclusive") and report.get("allow_inconclusive") else "")
               + (f", {c['not_run']} not run" if c.get("not_run") else "")
               + f" of {c['scenarios']}; overall score {_num(report.get('total'))}")
    if report.get("interrupted"):
        summary += "; INTERRUPTED"
    verdict = ("PASSED: " if report["passed"] else "FAILED: ") + summary
    lines += [""] + [paint(line, "green" if report["passed"] else "red") for line in _wrap(verdict, width)]
    return mask_text("\n".join(lines))


def _what_to_fix(report: dict, paint, width: int) -> list[str]:
    rows = rollup(report)
    if not rows:
        return []
    lines = [paint(_clip(f"What to fix ({len(rows)} rule(s), worst first)", width), "bold")]
    for row in rows[:ROLLUP_ROWS]:
        sev = row["severity"]
        label = sev.upper() if sev == "critical" else sev
        hits = (f"{len(row['scenarios'])} scenario(s)" + (f", {row['orders']} order(s)" if row["orders"] else "")
                + f", {row['findings']} finding(s)")
        head = _clip(f"{label:<8} {row['rule']}  {hits}", width - 2)
        lines.append("  " + head.replace(label, paint(label, SEVERITY_STYLE[sev]), 1))
        lines.append(_clip(" " * 11 + f"e.g.: {row['message']}", width))
        lines += _wrap(f"fix: {row['fix']}", width, " " * 11, " " * 16)
        lines.append(_clip(" " * 11 + f"docs: {row['docs']}", width))
    if len(rows) > ROLLUP_ROWS:
        lines.append(f"  ... {len(rows) - ROLLUP_ROWS} more rule(s) in report.html")
    return lines + [""]


def _since_baseline(report: dict, paint, width: int) -> list[str]:
    base = report.get("baseline")
    if not base:
        return []
    n = base["counts"]
    lines = [paint(line, "bold") for line in _wrap(
        f"Since the baseline: {n['new']} new, {n['fixed']} fixed, {n['unchanged']} unchanged finding(s) "
        f"(baseline: {base.get('file') or 'report.json'})", width, "", "  ")]
    for kind, color in (("new", "red"), ("fixed", "green")):
        for item in base[kind][:BASELINE_ROWS]:
            text = _clip(f"  {kind:<5} [{item['severity']}] {item['scenario']}: {item['rule']}: {item['message']}",
                         width)
            lines.append(text.replace(kind, paint(kind, color), 1))
        if len(base[kind]) > BASELINE_ROWS:
            lines.append(f"  ... {len(base[kind]) - BASELINE_ROWS} more {kind} in report.json")
    return lines + [""]


SHORT_HEADERS = {"prompt": "prom", "retry": "retr", "fallback": "fall", "integrity": "integ",
                 "required": "req", "verdict": "verdict"}


def _scorecard(report: dict, paint, width: int) -> list[str]:
    """One row per scenario, one column per dimension. Narrow terminals first lose the cause column,
    then get short headers, then scenario names clipped with …."""
    rows = []
    for e in report["scenarios"]:
        s = e["score"]
        rows.append([e["name"], e.get("cause") or "", _num(s.get("total")),
                     *(_num(s.get(d)) for d in DIMENSIONS), f"{e['required']:g}", verdict_word(e)])
    for name in report.get("not_run") or []:
        rows.append([name, "", "-", *("-" for _ in DIMENSIONS), "-", "NOT RUN"])
    headers = ["scenario", "cause", "total", *DIMENSIONS, "required", "verdict"]
    numeric = set(range(2, len(headers) - 1))

    def widths_of(hs, rs):
        return [max(len(h), *(len(r[i]) for r in rs)) if rs else len(h) for i, h in enumerate(hs)]

    def total_width(ws):
        return sum(ws) + 2 * (len(ws) - 1)

    widths = widths_of(headers, rows)
    if total_width(widths) > width:                 # 1. drop the cause column
        headers.pop(1)
        rows = [r[:1] + r[2:] for r in rows]
        numeric = {i - 1 for i in numeric}
        widths = widths_of(headers, rows)
    if total_width(widths) > width:                 # 2. short headers
        headers = [SHORT_HEADERS.get(h, h) for h in headers]
        widths = widths_of(headers, rows)
    overflow = total_width(widths) - width
    if overflow > 0:                                # 3. clip the scenario names
        widths[0] = max(8, widths[0] - overflow)
        rows = [[_clip(r[0], widths[0]), *r[1:]] for r in rows]

    def fmt(row, header=False):
        cells = []
        for i, cell in enumerate(row):
            text = cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            if not header and i == len(row) - 1:
                text = paint(text, {"PASS": "green", "INCONCLUSIVE": "yellow"}.get(cell, "red"))
            cells.append(text)
        return "  ".join(cells).rstrip()

    lines = [paint("Scorecard", "bold"), paint(fmt(headers, True), "bold"),
             "  ".join("-" * w for w in widths)]
    return lines + [fmt(r) for r in rows]


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    text = " ".join(str(text).split())
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest or first,
                         break_long_words=True, break_on_hyphens=False) or [first.rstrip()]


def _num(v) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _clip(text: str, n: int) -> str:
    """One line of at most n characters: line breaks become spaces (runs of spaces are kept)."""
    text = " ".join(str(text).splitlines()).replace("\t", " ")
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"
