"""junit.xml (xunit2 flavour): one testcase per scenario (`file=` its scenario file). A scenario short
of its required score is a <failure> titled by its worst finding (an inconclusive one by its first
reason) whose text is the score line and the findings; a scenario that could not run is an <error>.
Each text appears once: a passed scenario's score goes to system-out, a failed one's only into the
failure. Suite-level <properties> only (xunit2 has none per testcase): the run, each scenario's scores
and what changed since the baseline."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

from paychaos.common.masking import mask_obj, mask_text
from paychaos.reporting.entries import DIMENSIONS
from paychaos.reporting.events import SuiteFinished
from paychaos.reporting.fanout import Reporter
from paychaos.reporting.files import write_atomic

FILENAME = "junit.xml"


def finding_line(f: dict) -> str:
    evidence = ", ".join(f"{k}={_short(v)}" for k, v in (f.get("evidence") or {}).items())
    line = f"[{f.get('severity')}] {f.get('dimension')} / {f.get('rule')}: {f.get('message')}"
    return line + (f" (evidence: {evidence})" if evidence else "")


def _short(value) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return f"{len(value)} example(s)"
    if isinstance(value, list):
        shown = ",".join(str(v) for v in value[:8])
        return shown + (f",... ({len(value)} in all)" if len(value) > 8 else "")
    return str(value)


def score_line(entry: dict) -> str:
    s = entry["score"]
    dims = " ".join(f"{d}={_fmt(s.get(d))}" for d in DIMENSIONS)
    return f"score {_fmt(s.get('total'))} (required {entry['required']:g}): {dims}"


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:g}"


def worst_line(entry: dict) -> str:
    """The failure's title: the worst finding (an inconclusive run: its first reason), else the score."""
    if entry.get("inconclusive"):
        return f"inconclusive: {entry['inconclusive'][0]}"
    worst = next((f for f in entry.get("findings") or [] if f.get("severity") != "info"), None)
    if worst:
        return f"[{worst.get('severity')}] {worst.get('rule')}: {worst.get('message')}"
    return score_line(entry)


def _title(text: str) -> str:
    text = " ".join(mask_text(str(text)).split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


TITLE_CHARS = 300


def suite_properties(report: dict) -> list[tuple[str, object]]:
    """Suite-level properties (xunit2 allows none per testcase): the run, each scenario's scores as
    `score.<scenario>.<total|dimension|required>`, and what changed since the baseline."""
    props: list[tuple[str, object]] = [
        ("total", report.get("total")), ("passed", report["passed"]), ("min_score", report.get("min_score")),
        ("target", report.get("target")), ("interrupted", report.get("interrupted")),
        ("paychaos_version", report.get("paychaos_version"))]
    for entry in report["scenarios"]:
        s = entry["score"]
        props += [(f"score.{entry['name']}.{k}", s.get(k)) for k in ("total", *DIMENSIONS)]
        props.append((f"score.{entry['name']}.required", entry.get("required")))
    base = report.get("baseline")
    if base:
        props.append(("baseline.file", base.get("file")))
        props += [(f"baseline.{k}", base["counts"][k]) for k in ("new", "fixed", "unchanged")]
        for kind in ("new", "fixed"):
            for i, item in enumerate(base[kind]):
                props.append((f"baseline.{kind}.{i + 1}", f"[{item['severity']}] {item['scenario']}: "
                                                          f"{item['rule']}: {_title(item['message'])}"))
    return props


def render(report: dict) -> str:
    report = mask_obj(report)
    scenarios = report["scenarios"]
    counts = report["counts"]
    allowed = bool(report.get("allow_inconclusive"))
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", {
        "name": "paychaos",
        "tests": str(len(scenarios) + len(report.get("not_run") or [])),
        "failures": str(counts["failed"] + (0 if allowed else counts.get("inconclusive", 0))),
        "errors": str(counts["errored"]),
        "skipped": str(len(report.get("not_run") or []) + (counts.get("inconclusive", 0) if allowed else 0)),
        "time": f"{report.get('duration_s') or 0:.3f}",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(report.get("started_at") or 0)),
    })
    props = ET.SubElement(suite, "properties")
    for name, value in suite_properties(report):
        ET.SubElement(props, "property", {"name": name, "value": "" if value is None else str(value)})
    for entry in scenarios:
        attrs = {"classname": f"paychaos.{entry.get('cause') or 'scenario'}", "name": entry["name"],
                 "time": f"{entry.get('duration_s') or 0:.3f}"}
        if entry.get("path"):
            attrs["file"] = str(entry["path"])
        case = ET.SubElement(suite, "testcase", attrs)
        findings = "\n".join(finding_line(f) for f in entry.get("findings") or [])
        # The text is said once: in the failure (or error) when there is one, else in system-out.
        if entry.get("error"):
            node = ET.SubElement(case, "error", {"message": _title(entry["error"]), "type": "paychaos.error"})
            node.text = mask_text(str(entry["error"])) + ("\n" + findings if findings else "")
        elif entry.get("inconclusive"):
            reasons = "\n".join(f"inconclusive: {r}" for r in entry["inconclusive"])
            if allowed:
                ET.SubElement(case, "skipped", {"message": _title(worst_line(entry))})
                out = ET.SubElement(case, "system-out")
                out.text = mask_text(reasons) + "\n" + score_line(entry) + ("\n" + findings if findings else "")
            else:
                node = ET.SubElement(case, "failure", {"message": _title(worst_line(entry)),
                                                       "type": "paychaos.inconclusive"})
                node.text = mask_text(reasons) + "\n" + score_line(entry) + ("\n" + findings if findings else "")
        elif not entry["passed"]:
            node = ET.SubElement(case, "failure", {"message": _title(worst_line(entry)), "type": "paychaos.score"})
            node.text = score_line(entry) + "\n" + (findings or "no findings")
        else:
            out = ET.SubElement(case, "system-out")
            out.text = score_line(entry) + ("\n" + findings if findings else "")
    for name in report.get("not_run") or []:
        case = ET.SubElement(suite, "testcase", {"classname": "paychaos.not_run", "name": name, "time": "0"})
        ET.SubElement(case, "skipped", {"message": "not run: the suite was interrupted"})
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


class JUnitReporter(Reporter):
    def __init__(self, report_dir: Path):
        self.path = Path(report_dir) / FILENAME

    def on_suite_finished(self, event: SuiteFinished) -> None:
        write_atomic(self.path, render(event.report))
