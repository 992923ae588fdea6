import json
import xml.etree.ElementTree as ET

from paychaos.reporting import SuiteFinished
from paychaos.reporting.json_report import JsonReporter
from paychaos.reporting.junit import JUnitReporter
from tests.reporting.samples import WHOLE_PAN, sample_report


def write_both(tmp_path, report):
    for reporter in (JsonReporter(tmp_path), JUnitReporter(tmp_path)):
        reporter.handle(SuiteFinished(report))
    return json.loads((tmp_path / "report.json").read_text()), ET.parse(tmp_path / "junit.xml").getroot()


def test_report_json_has_design_shape(tmp_path):
    data, _ = write_both(tmp_path, sample_report())
    assert set(data) >= {"scenarios", "total", "passed", "min_score", "counts"}
    outage = data["scenarios"][1]
    assert outage["name"] == "gateway-outage-full" and outage["cause"] == "gateway_outage"
    assert set(outage["score"]) == {"total", "prompt", "retry", "fallback", "integrity"}
    assert outage["score"]["integrity"] is None
    assert set(outage["findings"][0]) == {"rule", "dimension", "severity", "message", "evidence"}
    assert outage["timeline"] and outage["checkouts"]
    assert WHOLE_PAN not in (tmp_path / "report.json").read_text()


def test_junit_one_testcase_per_scenario_failure_and_error(tmp_path):
    data, root = write_both(tmp_path, sample_report())
    suite = root.find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == [s["name"] for s in data["scenarios"]]
    assert cases["healthy-baseline"].find("failure") is None
    failure = cases["gateway-outage-full"].find("failure")
    # the title is the worst finding, not the score line; the text has the score and every finding
    assert failure.get("message") == ("[critical] prompt.no_leaks: the customer was shown the whole card number "
                                      "400000******9995")
    assert failure.text.startswith("score 72.5 (required 80)")
    assert "[critical] prompt / prompt.no_leaks" in failure.text and "j-000001" in failure.text
    # said once: no system-out repeating the failure, a passed scenario keeps its score in system-out
    assert cases["gateway-outage-full"].find("system-out") is None
    assert cases["healthy-baseline"].find("system-out").text.startswith("score 100 (required 90)")
    assert cases["gateway-outage-full"].get("file") == "scenarios/outage.yaml"
    assert cases["merchant-crash"].find("error") is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    assert all(tc.find("properties") is None for tc in cases.values())  # xunit2: suite properties only
    assert WHOLE_PAN not in (tmp_path / "junit.xml").read_text()


def test_json_and_junit_agree_on_the_verdict(tmp_path):
    for report in (sample_report(), sample_report(min_score=60, with_error=False)):
        data, root = write_both(tmp_path, report)
        suite = root.find("testsuite")
        bad = int(suite.get("failures")) + int(suite.get("errors")) + int(suite.get("skipped"))
        assert data["passed"] == (bad == 0)
        props = {p.get("name"): p.get("value") for p in suite.find("properties")}
        assert props["passed"] == str(data["passed"])


def test_interrupted_run_lists_unrun_scenarios_as_skipped(tmp_path):
    report = sample_report(with_error=False, interrupted=True)
    data, root = write_both(tmp_path, report)
    assert data["interrupted"] is True and data["not_run"] == ["merchant-crash"]
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert skipped == ["merchant-crash"]


def test_reports_are_readable_by_others_like_any_file(tmp_path):
    write_both(tmp_path, sample_report())
    for name in ("report.json", "junit.xml"):
        assert (tmp_path / name).stat().st_mode & 0o044 == 0o044


def test_junit_properties_carry_each_scenarios_scores(tmp_path):
    _, root = write_both(tmp_path, sample_report())
    props = {p.get("name"): p.get("value") for p in root.find("testsuite").find("properties")}
    assert props["score.gateway-outage-full.total"] == "72.5"
    assert props["score.gateway-outage-full.retry"] == "55.0"
    assert props["score.gateway-outage-full.integrity"] == ""        # does not apply
    assert props["score.gateway-outage-full.required"] == "80.0"
    assert props["score.healthy-baseline.total"] == "100.0"


def test_junit_inconclusive_is_titled_by_its_first_reason(tmp_path):
    report = sample_report(with_error=False)
    report["scenarios"][1]["inconclusive"] = ["no checkout reached the gateway", "the ledger was unreadable"]
    report["counts"]["inconclusive"], report["counts"]["failed"] = 1, 0
    _, root = write_both(tmp_path, report)
    case = next(c for c in root.iter("testcase") if c.get("name") == "gateway-outage-full")
    failure = case.find("failure")
    assert failure.get("type") == "paychaos.inconclusive"
    assert failure.get("message") == "inconclusive: no checkout reached the gateway"
    assert "inconclusive: the ledger was unreadable" in failure.text
