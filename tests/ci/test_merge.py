"""`paychaos merge`: reports of disjoint shards become one report.json, junit.xml and report.html with
one verdict; bad inputs are refused with exit 2 and nothing written."""

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from paychaos.reporting.entries import scenario_entry
from paychaos.reporting.json_report import render
from paychaos.reporting.suite import SuiteReport

WHOLE_PAN = "4000000000009995"


def entry(name, total, *, threshold=80, min_score=None, message="ok"):
    score = {"total": total, "prompt": total, "retry": None, "fallback": None, "integrity": 100}
    findings = [] if total >= 80 else [{"rule": "prompt.names_problem", "dimension": "prompt", "severity": "major",
                                        "message": message, "evidence": {"orders": ["ord_1"]}}]
    return scenario_entry({"name": name, "cause": "healthy", "score": score, "findings": findings,
                           "threshold": threshold}, min_score=min_score)


def write_shard(directory, entries, *, min_score=None, started_at=None, interrupted=False, not_run=()):
    suite = SuiteReport([e["name"] for e in entries] + list(not_run), target="resilient", min_score=min_score,
                        started_at=started_at or time.time() - 30)
    for e in entries:
        suite.add(e)
    suite.interrupted = interrupted
    directory.mkdir(parents=True)
    (directory / "report.json").write_text(render(suite.to_dict()))
    return directory


def merge(*args, cwd):
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "merge", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def shards(tmp_path):
    one = write_shard(tmp_path / "shards" / "paychaos-shard-1", [entry("alpha", 100), entry("gamma", 90)])
    two = write_shard(tmp_path / "shards" / "paychaos-shard-2", [entry("beta", 85)])
    return one, two


def test_merged_reports_hold_every_scenario_with_one_verdict(tmp_path, shards):
    out = merge(*shards, "--report-dir", tmp_path / "merged", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "PASSED: 3 passed, 0 failed, 0 errored of 3" in out.stdout
    report = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert sorted(s["name"] for s in report["scenarios"]) == ["alpha", "beta", "gamma"]
    assert report["passed"] is True and report["counts"]["scenarios"] == 3
    assert report["total"] == pytest.approx((100 + 90 + 85) / 3, abs=0.1)
    assert [s["scenarios"] for s in report["shards"]] == [2, 1]
    suite = ET.parse(tmp_path / "merged" / "junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "0"
    html = (tmp_path / "merged" / "report.html").read_text()
    assert "PASSED" in html and "beta" in html


def test_a_directory_of_shard_directories_is_enough(tmp_path, shards):
    out = merge("shards", "--report-dir", "merged", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "merged" / "report.json").read_text())["counts"]["scenarios"] == 3


def test_one_failing_shard_fails_the_merge_and_junit_says_which(tmp_path):
    a = write_shard(tmp_path / "a", [entry("alpha", 100)])
    b = write_shard(tmp_path / "b", [entry("beta", 40, message=f"told card {WHOLE_PAN} nothing")])
    out = merge(a, b, "--report-dir", tmp_path / "merged", cwd=tmp_path)
    assert out.returncode == 1
    assert "FAILED: 1 passed, 1 failed" in out.stdout
    cases = {c.get("name"): c for c in ET.parse(tmp_path / "merged" / "junit.xml").getroot().iter("testcase")}
    assert cases["beta"].find("failure") is not None and cases["alpha"].find("failure") is None
    for name in ("report.json", "junit.xml", "report.html"):
        assert WHOLE_PAN not in (tmp_path / "merged" / name).read_text()
    assert WHOLE_PAN not in out.stdout


def test_min_score_judges_every_scenario_again(tmp_path, shards):
    out = merge(*shards, "--min-score", "95", "--report-dir", tmp_path / "merged", cwd=tmp_path)
    assert out.returncode == 1
    report = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert report["min_score"] == 95
    assert {s["name"]: s["passed"] for s in report["scenarios"]} == {"alpha": True, "beta": False, "gamma": False}


def test_an_interrupted_shard_lists_what_did_not_run(tmp_path):
    a = write_shard(tmp_path / "a", [entry("alpha", 100)])
    b = write_shard(tmp_path / "b", [entry("beta", 100)], interrupted=True, not_run=["delta"])
    out = merge(a, b, "--report-dir", tmp_path / "merged", cwd=tmp_path)
    assert out.returncode == 1
    report = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert report["not_run"] == ["delta"] and report["passed"] is False


@pytest.mark.parametrize("case, words", [
    ("missing", ["no-such-dir: no such file or directory", "valid: a report directory"]),
    ("empty", ["empty: holds no report.json"]),
    ("not_json", ["report.json: not JSON"]),
    ("no_scenarios", ["report.json: scenarios: no list of scenarios"]),
    ("nameless", ["report.json: scenarios[0].name: a scenario entry without a name"]),
    ("overlap", ["scenario 'alpha' is also in", "valid: reports of disjoint shards"]),
])
def test_bad_inputs_are_refused_and_nothing_is_written(tmp_path, case, words):
    good = write_shard(tmp_path / "good", [entry("alpha", 100)])
    bad = tmp_path / "empty"
    bad.mkdir()
    if case == "missing":
        bad = tmp_path / "no-such-dir"
    elif case == "not_json":
        (bad / "report.json").write_text("{half")
    elif case == "no_scenarios":
        (bad / "report.json").write_text('{"total": 3}')
    elif case == "nameless":
        (bad / "report.json").write_text('{"scenarios": [{"score": {}}]}')
    elif case == "overlap":
        bad = write_shard(tmp_path / "again", [entry("alpha", 90)])
    out = merge(good, bad, "--report-dir", tmp_path / "merged", cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith("paychaos merge: error: ") and "Traceback" not in out.stderr
    for word in words:
        assert word in out.stderr
    assert not (tmp_path / "merged").exists()
