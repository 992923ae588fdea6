import io
import re

import pytest

from paychaos.reporting import (
    CheckoutDone,
    Fanout,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from paychaos.reporting.console import ConsoleReporter, terminal_width, wants_color
from tests.reporting.samples import WHOLE_PAN, sample_report


def drive(reporter, report):
    emit = Fanout([reporter])
    emit(SuiteStarted([s["name"] for s in report["scenarios"]], target="resilient", workers=1))
    for entry in report["scenarios"]:
        emit(ScenarioStarted(entry["name"], entry["cause"]))
        emit(CheckoutDone(entry["name"], {"order_id": "ord_1"}))
        emit(ScenarioFinished(entry))
    emit(SuiteFinished(report))


def test_plain_output_when_not_a_tty_has_lines_and_scorecard(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")   # wide enough for every column, whatever terminal the tests run under
    out = io.StringIO()
    drive(ConsoleReporter(out), sample_report())
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert "[2/3] FAIL     72.5  gateway-outage-full" in text
    assert "[3/3] ERROR" in text
    header = next(line for line in text.splitlines() if line.startswith("scenario"))
    assert header.split() == ["scenario", "cause", "total", "prompt", "retry", "fallback", "integrity",
                              "required", "verdict"]
    assert "e.g.: the customer was shown the whole card number 400000******9995" in text
    assert text.rstrip().endswith("FAILED: 1 passed, 1 failed, 1 errored of 3; overall score 86.2")
    assert WHOLE_PAN not in text


def test_tty_draws_a_progress_bar():
    out = io.StringIO()
    drive(ConsoleReporter(out, tty=True, color=False), sample_report())
    text = out.getvalue()
    assert "\r\x1b[2K[" in text and "3/3 scenarios" in text and "checkouts" in text


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def long_report():
    """Long names, a long error and many findings: what overflows a narrow terminal."""
    report = sample_report()
    report["scenarios"][1]["name"] = "gateway-outage-full-with-a-very-long-scenario-name-from-a-user-repo"
    report["scenarios"][2]["error"] = "merchant exited " + "with a very long reason " * 20
    report["target"] = "t" * 150
    return report


@pytest.mark.parametrize("columns", [80, 100])
def test_no_console_line_is_wider_than_columns(columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    for tty in (False, True):
        out = io.StringIO()
        drive(ConsoleReporter(out, tty=tty, color="always"), long_report())
        # on a terminal each progress update overwrites the line after "\r": every piece must fit
        pieces = [p for line in strip_ansi(out.getvalue()).split("\n") for p in line.split("\r")]
        too_wide = [p for p in pieces if len(p.replace("\x1b[2K", "")) > columns]
        assert not too_wide, too_wide
    assert "…" in strip_ansi(out.getvalue())   # something was clipped, not wrapped off-screen


def test_what_to_fix_comes_first_worst_first_with_hint_and_docs():
    out = io.StringIO()
    drive(ConsoleReporter(out, width=100), sample_report())
    text = out.getvalue()
    rollup = text.index("What to fix (2 rule(s), worst first)")
    assert rollup < text.index("Scorecard")
    critical, minor = text.index("CRITICAL prompt.no_leaks"), text.index("minor    retry.backoff")
    assert rollup < critical < minor
    assert "1 scenario(s), 1 order(s), 1 finding(s)" in text
    assert "fix: Catch gateway errors and show your own message" in text
    assert "docs: docs/scoring.md#prompt-what-the-customer-was-told-and-when" in text


def test_critical_has_its_own_style_apart_from_major():
    out = io.StringIO()
    report = sample_report()
    report["scenarios"][1]["findings"].append({"rule": "retry.no_storm", "dimension": "retry", "severity": "major",
                                               "message": "9 attempts", "evidence": {}})
    drive(ConsoleReporter(out, color=True, width=100), report)
    text = out.getvalue()
    assert "\x1b[1;97;41mCRITICAL\x1b[0m" in text and "\x1b[31mmajor\x1b[0m" in text


@pytest.mark.parametrize("mode, env, tty, expected", [
    ("never", {"FORCE_COLOR": "1"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),          # NO_COLOR counts only when not empty
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": "0"}, False, False),
])
def test_color_modes_and_env(mode, env, tty, expected):
    class Stream(io.StringIO):
        def isatty(self):
            return tty
    assert wants_color(mode, Stream(), env) is expected


def test_force_color_paints_a_pipe(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = io.StringIO()
    drive(ConsoleReporter(out), sample_report())
    assert "\x1b[" in out.getvalue() and "\r" not in out.getvalue()   # colour, but still plain lines


def test_columns_env_sets_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "64")
    assert terminal_width() == 64
    monkeypatch.setenv("COLUMNS", "junk")
    assert 40 <= terminal_width() <= 200
