"""`paychaos run` end to end against real gateways, proxy and a reference merchant: one verdict in
the exit code, report.json and junit.xml; Ctrl-C still writes what was measured and leaves no process."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NAIVE = str(Path(__file__).resolve().parents[2] / "simulator" / "merchants" / "targets" / "naive.yaml")

HEALTHY = """\
name: healthy-two
cause: healthy
description: No faults; two customers pay with a good card.
customers: {count: 2, cards: {pm_card_visa: 1}}
expect: {threshold: 90, outcome: paid, prompt: [paid]}
"""
OUTAGE = """\
name: outage-two
cause: gateway_outage
description: The primary gateway answers 503 to every payment call.
customers: {count: 2, cards: {pm_card_visa: 1}}
faults:
  - fault: http_error
    params: {status: 503}
    match: {upstream: primary, method: POST, path: "/v1/payment_intents*"}
expect: {threshold: 80, outcome: paid}
"""
SLOW = """\
name: slow-gateway
cause: timeout
description: Every gateway call is held for eight seconds.
customers: {count: 10, cards: {pm_card_visa: 1}}  # long enough that Ctrl-C lands mid-scenario
faults:
  - fault: latency
    params: {delay_ms: 8000}
    match: {upstream: primary}
"""


def write(tmp_path, name, text) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run_cli(tmp_path, *args):
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "run", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)


def read_reports(report_dir: Path):
    data = json.loads((report_dir / "report.json").read_text())
    suite = ET.parse(report_dir / "junit.xml").getroot().find("testsuite")
    return data, suite


def test_exit_code_report_json_and_junit_agree(tmp_path):
    scenarios = [write(tmp_path, "healthy.yaml", HEALTHY), write(tmp_path, "outage.yaml", OUTAGE)]

    strict = run_cli(tmp_path, *scenarios, "--target", NAIVE, "--report-dir", "strict")
    data, suite = read_reports(tmp_path / "strict")
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert data["passed"] is False
    by_name = {s["name"]: s for s in data["scenarios"]}
    assert by_name["outage-two"]["passed"] is False and by_name["outage-two"]["findings"]
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert failed == {s["name"] for s in data["scenarios"] if not s["passed"]}
    assert "outage-two" in strict.stdout and "FAILED:" in strict.stdout
    assert (tmp_path / "strict" / "report.html").stat().st_size > 5000

    lenient = run_cli(tmp_path, *scenarios, "--target", NAIVE, "--report-dir", "lenient", "--min-score", "0")
    data, suite = read_reports(tmp_path / "lenient")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert data["passed"] is True and data["min_score"] == 0
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0")
    assert "PASSED:" in lenient.stdout


def _processes_with(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if marker.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


def test_ctrl_c_writes_what_was_measured_and_leaves_no_process(tmp_path):
    scenarios = [write(tmp_path, "a.yaml", HEALTHY), write(tmp_path, "b.yaml", SLOW)]
    marker = f"PAYCHAOS_TEST_MARK={uuid.uuid4().hex}"
    env = dict(os.environ, PAYCHAOS_TEST_MARK=marker.split("=", 1)[1], PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-P", "-m", "paychaos.cli", "run", *scenarios, "--report-dir", "out"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        for line in proc.stdout:  # the first scenario done: the slow one is now running
            lines.append(line)
            if line.startswith("[1/2]") or time.monotonic() > deadline:
                break
        assert any(line.startswith("[1/2]") for line in lines), "".join(lines)
        assert len(_processes_with(marker)) >= 4  # the run, two gateways, the proxy (and the merchant)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, "".join(lines) + rest
    data, suite = read_reports(tmp_path / "out")
    assert data["interrupted"] is True and data["passed"] is False
    assert [s["name"] for s in data["scenarios"]] == ["healthy-two"]
    assert data["not_run"] == ["slow-gateway"]
    assert [c.get("name") for c in suite.iter("testcase") if c.find("skipped") is not None] == ["slow-gateway"]
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_with(marker) == []


def test_reports_that_cannot_be_written_are_an_error_never_a_silent_pass(tmp_path):
    """A report directory on a full disk: exit 1 and the reason on stderr, not "PASSED" over nothing."""
    disk = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and tmpfs mounts")
    try:
        done = run_cli(tmp_path, write(tmp_path, "healthy.yaml", HEALTHY), "--report-dir", str(disk / "r"))
        assert done.returncode == 1, done.stdout + done.stderr
        assert "a report could not be written" in done.stderr and "No space left" in done.stderr
        assert "reports: " not in done.stdout
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
