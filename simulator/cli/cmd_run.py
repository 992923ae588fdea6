"""`paychaos run`: run scenarios against a merchant integration, score them, write the reports.

Exit status: 0 when every scenario meets the required score, 1 when one falls short or errored,
2 for bad input (nothing is started and no earlier report is touched), 130 when interrupted
(the reports then hold what was measured).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from paychaos.cli import argtypes
from paychaos.common.errors import InputError
from paychaos.reporting.console import COLOR_MODES, ConsoleReporter
from paychaos.reporting.fanout import Fanout
from paychaos.reporting.html_report import HtmlReporter
from paychaos.reporting.json_report import JsonReporter
from paychaos.reporting.junit import JUnitReporter
from paychaos.reporting.recorder import RunRecorder
from paychaos.reporting.suite import exit_code

DEFAULT_REPORT_DIR = "paychaos-report"
MAX_WORKERS = 16


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "run", help="run scenarios against a merchant and score them",
        description="Run scenarios against a merchant integration, score how gracefully it prompts, "
                    "retries and falls back, and write report.json, junit.xml and report.html. "
                    "Without arguments: the built-in suite against the built-in resilient merchant.")
    p.add_argument("paths", nargs="*", metavar="SCENARIO_FILE_OR_DIR",
                   help="scenario files, directories of them, or built-in scenario names as `paychaos list` "
                        "prints them (default: the built-in suite)")
    p.add_argument("--target", metavar="FILE", help="target file, or a built-in: resilient, naive "
                   "(default: the built-in resilient merchant)")
    p.add_argument("--report-dir", metavar="DIR", default=DEFAULT_REPORT_DIR, type=argtypes.writable_dir,
                   help=f"where the reports go (default: ./{DEFAULT_REPORT_DIR})")
    p.add_argument("--min-score", metavar="N", type=argtypes.score, help="score every scenario must reach, 0-100 "
                                                    "(default: each scenario's own threshold)")
    p.add_argument("--allow-inconclusive", action="store_true",
                   help="an inconclusive scenario (nothing exercised, evidence incomplete) does not fail the "
                        "run; it is still reported as inconclusive, never as passed")
    p.add_argument("-n", "--workers", metavar="WORKERS", default=1, type=argtypes.whole(1, MAX_WORKERS),
                   help=f"scenarios run at once, 1-{MAX_WORKERS} (default 1)")
    p.add_argument("--shard", metavar="K/N", type=argtypes.shard,
                   help="run only part K of N (deterministic split for a CI matrix; combine the parts' reports "
                        "with `paychaos merge`)")
    add_report_flags(p)
    p.set_defaults(func=run)


def add_report_flags(p) -> None:
    """--baseline and --color, shared with `paychaos merge`."""
    p.add_argument("--baseline", metavar="REPORT_JSON",
                   help="an earlier report.json (or its directory): the reports list the findings new, fixed "
                        "and unchanged since it")
    p.add_argument("--color", choices=COLOR_MODES, default="auto",
                   help="colour in the console: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it), "
                        "always, never (default auto)")


def read_baseline(raw: str | None) -> tuple[dict | None, str]:
    """The --baseline report, checked before anything starts; bad: InputError naming the flag (exit 2)."""
    if not raw:
        return None, ""
    from paychaos.cli.cmd_merge import FILENAME, read_report

    path = Path(raw)
    if path.is_dir():
        path = path / FILENAME
    if not path.is_file():
        raise InputError("no such file", file=str(path), field="--baseline",
                         valid="a report.json written by `paychaos run` or `paychaos merge`, or its directory")
    try:
        return read_report(path), str(raw)
    except InputError as exc:
        raise InputError(exc.detail, file=exc.file, field="--baseline" + (f" {exc.field}" if exc.field else ""),
                         valid=exc.valid) from None


def run(args: argparse.Namespace) -> int:
    from paychaos.runner import run_suite
    from paychaos.scenario.load import BUILTIN_SETS, load_scenarios
    from paychaos.scenario.shard import select_shard
    from paychaos.target import load_target

    # Everything the user gave is checked before anything starts or is written (the flags by their
    # argtypes, the files here).
    min_score, workers, report_dir = args.min_score, args.workers, Path(args.report_dir)
    scenarios = load_scenarios(args.paths or None)
    target = load_target(args.target)
    if not args.paths or all(p in BUILTIN_SETS for p in args.paths):   # the suite, or a dialect's set
        scenarios = _for_flow(scenarios, target.flow)
    if args.shard:
        scenarios = select_shard(scenarios, args.shard)
    target.check_workers(workers)
    baseline, baseline_file = read_baseline(args.baseline)

    emit = Fanout([ConsoleReporter(color=args.color), JsonReporter(report_dir), JUnitReporter(report_dir),
                   HtmlReporter(report_dir)])
    recorder = RunRecorder(scenarios, target=target.name, emit=emit, min_score=min_score, workers=workers,
                           allow_inconclusive=args.allow_inconclusive, repro=repro_of(target, args.target),
                           baseline=baseline, baseline_file=baseline_file)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        observations = run_suite(scenarios, target, workers=workers, on_event=recorder.on_event)
        for obs in observations or []:
            recorder.scenario_finished(obs)  # scenarios the events did not already report
        report = recorder.finish()
    except KeyboardInterrupt:
        report = recorder.finish(interrupted=True)
    except InputError:
        raise
    except Exception as exc:  # the runner broke: report it on every scenario it did not finish
        reason = f"the run stopped: {type(exc).__name__}: {exc}"
        for scenario in scenarios:
            if scenario.name not in recorder.suite.entries:
                recorder.scenario_errored(scenario, reason)
        report = recorder.finish()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return finish_reports(emit, report_dir, exit_code(report), command="run")


def _for_flow(scenarios: list, flow: str) -> list:
    """The built-in suite (or a dialect's set) for a target of this checkout flow: a scenario that can only
    happen in another flow (an expiring Checkout Session, a wallet's late money, a QR code left to expire)
    is left out, and said so. Named on the
    command line it runs, and is inconclusive (docs/scoring.md)."""
    from paychaos.scenario.model import flows_of

    kept, left = [], []
    for scenario in scenarios:
        flows = flows_of(scenario)
        (kept if flows is None or flow in flows else left).append((scenario, flows))
    if left:
        names = ", ".join(f"{s.name} ({' or '.join(f)})" for s, f in left)
        print(f"paychaos run: {len(left)} built-in scenario(s) need another checkout flow than this target's "
              f"{flow} and are left out: {names}; name a file to run it anyway (it is inconclusive there)")
    return [s for s, _ in kept]


def finish_reports(emit: Fanout, report_dir, status: int, *, command: str) -> int:
    """Say where the reports are, or that they could not be written: that is an error (exit 1, on
    stderr), never a silent success over an empty report directory."""
    if emit.failures:
        for failure in emit.failures:
            print(f"paychaos {command}: error: a report could not be written: {failure}", file=sys.stderr)
        return status or 1
    print(f"reports: {report_dir / 'report.html'} (also report.json, junit.xml)")
    return status


def repro_of(target, target_file: str | None) -> dict:
    """How the target is called, for the reports' reproduce-by-hand steps."""
    call = target.checkout
    return {"target_file": target_file, "base_url": target.base_url, "webhook_path": target.webhook_path,
            "checkout": {"method": call.method, "path": call.path, "json": call.json, "form": call.form}}


def _interrupt(signum, frame):
    raise KeyboardInterrupt
