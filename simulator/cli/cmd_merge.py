"""`paychaos merge DIR...`: combine the report.json of several runs (the shards of a CI matrix) into
one report.json, junit.xml and report.html with one verdict, written by the same reporters as
`paychaos run`.

Each DIR is a report directory holding report.json, the report.json file itself, or a directory
whose immediate subdirectories hold one each (what GitHub's download-artifact and GitLab's
artifacts of a `parallel` job leave behind). A scenario may appear in one input only.

Exit status: 0 when every merged scenario passed, 1 when one did not (or a shard was cut short),
2 for bad input (nothing is written).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from paychaos.cli import argtypes
from paychaos.cli.cmd_run import DEFAULT_REPORT_DIR, add_report_flags, finish_reports, read_baseline
from paychaos.common.errors import InputError, brief
from paychaos.reporting.baseline import compare
from paychaos.reporting.console import ConsoleReporter
from paychaos.reporting.entries import required_score, verdict
from paychaos.reporting.events import SuiteFinished
from paychaos.reporting.fanout import Fanout
from paychaos.reporting.html_report import HtmlReporter
from paychaos.reporting.json_report import FILENAME, JsonReporter
from paychaos.reporting.junit import JUnitReporter
from paychaos.reporting.suite import SuiteReport

VALID_INPUT = "a report directory written by `paychaos run` (holding report.json), the report.json itself, " \
              "or a directory of such report directories"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "merge", help="combine the reports of several runs (CI shards) into one",
        description="Combine the report.json files of several `paychaos run --shard K/N` runs into one "
                    "report.json, junit.xml and report.html with one verdict.")
    p.add_argument("inputs", nargs="+", metavar="DIR", help="report directories (or report.json files)")
    p.add_argument("--report-dir", metavar="DIR", default=DEFAULT_REPORT_DIR, type=argtypes.writable_dir,
                   help=f"where the merged reports go (default: ./{DEFAULT_REPORT_DIR})")
    p.add_argument("--min-score", metavar="N", type=argtypes.score, help="judge every scenario again against this score, 0-100 "
                                                    "(default: the score each run required)")
    p.add_argument("--allow-inconclusive", action="store_true",
                   help="inconclusive scenarios do not fail the merged verdict (default: as each run said)")
    add_report_flags(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    min_score, report_dir = args.min_score, Path(args.report_dir)
    reports = [(path, read_report(path)) for path in report_files(args.inputs)]
    baseline, baseline_file = read_baseline(args.baseline)
    merged = merge_reports(reports, min_score=min_score, allow_inconclusive=args.allow_inconclusive)
    if baseline is not None:
        merged["baseline"] = compare(merged, baseline, file=baseline_file)
    emit = Fanout([ConsoleReporter(color=args.color), JsonReporter(report_dir), JUnitReporter(report_dir),
                   HtmlReporter(report_dir)])
    emit(SuiteFinished(merged))
    print(f"merged {len(reports)} report(s)")
    return finish_reports(emit, report_dir, 0 if merged["passed"] else 1, command="merge")


def report_files(inputs: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_file():
            files.append(path)
        elif (path / FILENAME).is_file():
            files.append(path / FILENAME)
        elif path.is_dir():
            found = sorted(path.glob(f"*/{FILENAME}"))
            if not found:
                raise InputError(f"holds no {FILENAME} (nor do its subdirectories)", file=raw, valid=VALID_INPUT)
            files.extend(found)
        else:
            raise InputError("no such file or directory", file=raw, valid=VALID_INPUT)
    seen: set[Path] = set()
    for f in files:
        if f.resolve() in seen:
            raise InputError("given more than once", file=str(f), valid="each report once")
        seen.add(f.resolve())
    return files


MAX_REPORT_BYTES = 64 << 20   # a report.json of 25 scenarios is well under 1 MiB


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def read_report(path: Path) -> dict:
    """A report.json, checked for what merging needs."""
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise InputError(f"larger than {MAX_REPORT_BYTES >> 20} MiB", file=str(path), valid=VALID_INPUT)
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read it: {exc}", file=str(path), valid=VALID_INPUT) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg} at line {exc.lineno})", file=str(path),
                         valid="report.json as `paychaos run` writes it") from None
    except (ValueError, RecursionError) as exc:  # NaN/Infinity, 4,300+ digit integers, deep nesting
        reason = "nested too deep" if isinstance(exc, RecursionError) else brief(str(exc), bare=True)
        raise InputError(f"not a report: {reason}", file=str(path),
                         valid="report.json as `paychaos run` writes it") from None
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
        raise InputError("no list of scenarios", file=str(path), field="scenarios",
                         valid='{"scenarios": [...], "total": ...} as `paychaos run` writes it')
    for i, entry in enumerate(data["scenarios"]):
        where = f"scenarios[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise InputError("a scenario entry without a name", file=str(path), field=f"{where}.name",
                             valid="an object with name, score and required")
        if not isinstance(entry.get("score"), dict):
            raise InputError("no score object", file=str(path), field=f"{where}.score",
                             valid='{"total", "prompt", "retry", "fallback", "integrity"}')
        total = entry["score"].get("total")
        if total is not None and not isinstance(total, int | float):
            raise InputError(f"{brief(total)} is not a number", file=str(path), field=f"{where}.score.total",
                             valid="a number from 0 to 100 or null")
        if not isinstance(entry.get("required", entry.get("threshold", 80)), int | float):
            raise InputError("not a number", file=str(path), field=f"{where}.required", valid="a number from 0 to 100")
    if not isinstance(data.get("not_run") or [], list):
        raise InputError("not a list", file=str(path), field="not_run", valid="a list of scenario names")
    return data


def merge_reports(reports: list[tuple[Path, dict]], *, min_score: float | None = None,
                  allow_inconclusive: bool = False) -> dict:
    """One suite report from several; every verdict recomputed (against `min_score` when given)."""
    owner: dict[str, Path] = {}
    entries: list[dict] = []
    not_run: list[str] = []
    for path, data in reports:
        for name in [e["name"] for e in data["scenarios"]] + list(data.get("not_run") or []):
            if name in owner:
                raise InputError(f"scenario '{name}' is also in {owner[name]}", file=str(path), field="scenarios",
                                 valid="reports of disjoint shards (each scenario in one report only)")
            owner[name] = path
        for entry in data["scenarios"]:
            entry = dict(entry)
            if min_score is not None:
                entry["required"] = required_score(entry.get("threshold"), min_score)
            entry.setdefault("required", required_score(entry.get("threshold"), None))
            entry["passed"] = verdict(entry)
            entries.append(entry)
        not_run += [str(n) for n in data.get("not_run") or []]

    starts = [d["started_at"] for _, d in reports if isinstance(d.get("started_at"), int | float)]
    ends = [d["started_at"] + d["duration_s"] for _, d in reports
            if isinstance(d.get("started_at"), int | float) and isinstance(d.get("duration_s"), int | float)]
    suite = SuiteReport([e["name"] for e in entries] + not_run, target=_targets(reports),
                        min_score=min_score if min_score is not None else _common_min_score(reports),
                        started_at=min(starts) if starts else None,
                        allow_inconclusive=allow_inconclusive or all(d.get("allow_inconclusive") for _, d in reports))
    for entry in entries:
        suite.add(entry)
    suite.interrupted = any(d.get("interrupted") for _, d in reports)
    merged = suite.to_dict()
    merged["duration_s"] = round(max(ends) - min(starts), 3) if ends and starts else None
    merged["shards"] = [{"report": str(path), "scenarios": len(d["scenarios"]), "passed": bool(d.get("passed"))}
                        for path, d in reports]
    repro = next((d["repro"] for _, d in reports if isinstance(d.get("repro"), dict)), None)
    if repro:
        merged["repro"] = repro   # how the target is called, for the reproduce-by-hand steps
    return merged


def _targets(reports) -> str:
    names = []
    for _, d in reports:
        if d.get("target") and d["target"] not in names:
            names.append(str(d["target"]))
    return ", ".join(names)


def _common_min_score(reports) -> float | None:
    values = {d.get("min_score") for _, d in reports}
    return values.pop() if len(values) == 1 else None
