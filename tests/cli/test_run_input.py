"""`paychaos run` refuses bad input with exit 2, a message naming file and field, and touches nothing."""

import subprocess
import sys
from pathlib import Path

import pytest

GOOD_SCENARIO = """\
name: healthy-one
cause: healthy
description: no faults
customers: {count: 1}
faults: []
"""


def paychaos_run(*args, cwd):
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "run", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def old_report(tmp_path) -> Path:
    report_dir = tmp_path / "paychaos-report"
    report_dir.mkdir()
    (report_dir / "report.json").write_text('{"from": "an earlier run"}')
    return report_dir


def assert_refused(out, *words):
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith("paychaos run: error: ")
    for word in words:
        assert word in out.stderr


def test_bad_min_score(tmp_path, old_report):
    out = paychaos_run("--min-score", "150", cwd=tmp_path)
    assert_refused(out, "--min-score", "'150' is out of range", "valid: a number from 0 to 100")
    assert (old_report / "report.json").read_text() == '{"from": "an earlier run"}'


def test_bad_workers(tmp_path):
    assert_refused(paychaos_run("-n", "zero", cwd=tmp_path), "-n/--workers", "valid: a whole number from 1")


def test_report_dir_that_is_a_file(tmp_path):
    (tmp_path / "taken").write_text("keep me")
    out = paychaos_run("--report-dir", "taken", cwd=tmp_path)
    assert_refused(out, "argument --report-dir: 'taken' exists and is not a directory")
    assert (tmp_path / "taken").read_text() == "keep me"


def test_bad_scenario_field_names_file_and_field_and_keeps_old_report(tmp_path, old_report):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD_SCENARIO.replace("cause: healthy", "cause: gateway_outrage"))
    out = paychaos_run(str(bad), cwd=tmp_path)
    assert_refused(out, str(bad), "cause", "gateway_outage")
    assert (old_report / "report.json").read_text() == '{"from": "an earlier run"}'
    assert sorted(p.name for p in old_report.iterdir()) == ["report.json"]


def test_missing_scenario_path(tmp_path):
    assert_refused(paychaos_run("nowhere.yaml", cwd=tmp_path), "nowhere.yaml", "no such file or directory")


def test_bad_target_file(tmp_path):
    scenario = tmp_path / "ok.yaml"
    scenario.write_text(GOOD_SCENARIO)
    target = tmp_path / "target.yaml"
    target.write_text("name: shop\nbase_url: http://127.0.0.1:1\ncheckout: {path: /pay, outcome: {}}\nbogus: 1\n")
    out = paychaos_run(str(scenario), "--target", str(target), cwd=tmp_path)
    assert_refused(out, str(target), "bogus")
    assert not (tmp_path / "paychaos-report").exists()
