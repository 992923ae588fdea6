"""--baseline: findings new, fixed and unchanged since an earlier report.json, in every report."""

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from paychaos.reporting import SuiteFinished
from paychaos.reporting.baseline import compare, message_kind
from paychaos.reporting.console import ConsoleReporter
from paychaos.reporting.html_report import HtmlReporter
from paychaos.reporting.json_report import JsonReporter, render
from paychaos.reporting.junit import JUnitReporter
from tests.reporting.samples import sample_report


def finding(rule, severity, message):
    return {"rule": rule, "dimension": rule.split(".")[0], "severity": severity, "message": message,
            "evidence": {}}


def with_findings(*findings):
    report = sample_report(with_error=False)
    report["scenarios"][1]["findings"] = list(findings)
    return report


BEFORE = with_findings(finding("retry.backoff", "minor", "retries were 0.5 s apart each time"),
                       finding("integrity.no_double_charge", "critical", "ord_7 was charged 2 times (ch_1, ch_2)"),
                       finding("prompt.no_leaks", "major", "3 of 4 answers leaked a stack trace"))
AFTER = with_findings(finding("retry.backoff", "minor", "retries were 0.8 s apart each time"),
                      finding("prompt.no_leaks", "major", "1 of 4 answers leaked a stack trace"),
                      finding("retry.no_storm", "major", "12 attempts for ord_3"),
                      finding("prompt.status_right", "info", "told failed, refunded"))


def test_message_kind_ignores_counts_ids_and_amounts():
    assert message_kind("3 of 4 answers leaked a stack trace") == message_kind("1 of 4 answers leaked a stack trace")
    assert message_kind("ord_7 was charged 2 times") == "# was charged # times"
    assert message_kind("the card was declined") != message_kind("the card expired")


def test_new_fixed_unchanged():
    delta = compare(AFTER, BEFORE, file="main/report.json")
    assert [(i["rule"], i["severity"]) for i in delta["new"]] == [("retry.no_storm", "major")]
    assert [i["rule"] for i in delta["fixed"]] == ["integrity.no_double_charge"]
    assert sorted(i["rule"] for i in delta["unchanged"]) == ["prompt.no_leaks", "retry.backoff"]
    assert delta["counts"] == {"new": 1, "fixed": 1, "unchanged": 2}      # info left out
    # a severity change is a different finding: the major one is fixed, the critical one is new
    worse = with_findings(finding("prompt.no_leaks", "critical", "1 of 4 answers leaked a stack trace"))
    delta = compare(worse, BEFORE)
    assert ("prompt.no_leaks", "critical") in {(i["rule"], i["severity"]) for i in delta["new"]}
    assert ("prompt.no_leaks", "major") in {(i["rule"], i["severity"]) for i in delta["fixed"]}


def test_every_report_shows_the_baseline(tmp_path):
    report = dict(AFTER, baseline=compare(AFTER, BEFORE, file="main/report.json"))
    out = io.StringIO()
    ConsoleReporter(out, width=100).handle(SuiteFinished(report))
    text = out.getvalue()
    assert ("Since the baseline: 1 new, 1 fixed, 2 unchanged finding(s) (baseline: main/report.json)"
            in text)
    assert "new   [major] gateway-outage-full: retry.no_storm: 12 attempts for ord_3" in text
    assert "fixed [critical] gateway-outage-full: integrity.no_double_charge" in text
    for reporter in (HtmlReporter(tmp_path), JUnitReporter(tmp_path), JsonReporter(tmp_path)):
        reporter.handle(SuiteFinished(report))
    page = (tmp_path / "report.html").read_text()
    assert "<h2>Since the baseline</h2>" in page and "1 new</b>" in page and "1 fixed</b>" in page
    props = {p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").iter("property")}
    assert (props["baseline.new"], props["baseline.fixed"], props["baseline.unchanged"]) == ("1", "1", "2")
    assert props["baseline.fixed.1"].startswith("[critical] gateway-outage-full: integrity.no_double_charge")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["baseline"]["counts"]["new"] == 1 and "scenarios" in data   # added, nothing renamed


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_merge_with_baseline_names_what_it_fixed(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "report.json").write_text(render(BEFORE))
    (tmp_path / "now").mkdir()
    (tmp_path / "now" / "report.json").write_text(render(AFTER))
    out = cli("merge", tmp_path / "now", "--baseline", tmp_path / "base", "--report-dir", tmp_path / "merged",
              cwd=tmp_path)
    assert out.returncode == 1, out.stderr                  # still failing: gateway-outage-full is short
    assert "1 new, 1 fixed, 2 unchanged" in out.stdout and "\x1b" not in out.stdout
    merged = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert [i["rule"] for i in merged["baseline"]["fixed"]] == ["integrity.no_double_charge"]


@pytest.mark.parametrize("command", ["run", "merge"])
@pytest.mark.parametrize("content, problem", [(None, "no such file"), ("{not json", "not JSON"),
                                              ('{"total": 3}', "no list of scenarios")])
def test_bad_baseline_is_exit_2_naming_the_flag(tmp_path, command, content, problem):
    bad = tmp_path / "baseline.json"
    if content is not None:
        bad.write_text(content)
    (tmp_path / "now").mkdir()
    (tmp_path / "now" / "report.json").write_text(render(AFTER))
    args = ["merge", tmp_path / "now"] if command == "merge" else ["run"]
    out = cli(*args, "--baseline", bad, "--report-dir", tmp_path / "out", cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "--baseline" in out.stderr and problem in out.stderr and str(bad) in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "out" / "report.json").exists()
