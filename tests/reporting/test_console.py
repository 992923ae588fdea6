import io

from simulator.reporting import (
    CheckoutDone,
    Fanout,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from simulator.reporting.console import ConsoleReporter
from tests.reporting.samples import WHOLE_PAN, sample_report


def drive(reporter, report):
    emit = Fanout([reporter])
    emit(SuiteStarted([s["name"] for s in report["scenarios"]], target="resilient", workers=1))
    for entry in report["scenarios"]:
        emit(ScenarioStarted(entry["name"], entry["cause"]))
        emit(CheckoutDone(entry["name"], {"order_id": "ord_1"}))
        emit(ScenarioFinished(entry))
    emit(SuiteFinished(report))


def test_plain_output_when_not_a_tty_has_lines_and_scorecard():
    out = io.StringIO()
    drive(ConsoleReporter(out), sample_report())
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert "[2/3] FAIL     72.5  gateway-outage-full" in text
    assert "[3/3] ERROR" in text
    header = next(line for line in text.splitlines() if line.startswith("scenario"))
    assert header.split() == ["scenario", "cause", "total", "prompt", "retry", "fallback", "integrity",
                              "required", "verdict"]
    assert "[critical] prompt: the customer was shown the whole card number 400000******9995" in text
    assert text.rstrip().endswith("FAILED: 1 passed, 1 failed, 1 errored of 3; overall score 86.2")
    assert WHOLE_PAN not in text


def test_tty_draws_a_progress_bar():
    out = io.StringIO()
    drive(ConsoleReporter(out, tty=True, color=False), sample_report())
    text = out.getvalue()
    assert "\r\x1b[2K[" in text and "3/3 scenarios" in text and "checkouts" in text
