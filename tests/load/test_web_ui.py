"""`paychaos load --web` as a user runs it: the printed URL is Locust's UI, its start form is filled in
with the run's users and length and what it says when Start is pressed is what runs, a "paychaos
phases" tab says which phase is running with how many users, each phase's checkouts have their own
request name, and Ctrl-C in the terminal ends the run, writes the report and leaves no process behind."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

UI_LINE = re.compile(r"Locust's UI is at (http://127\.0\.0\.1:(\d+)) ")


class Output:
    """The process's stdout and stderr, read on a thread so waiting for a line can time out."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, pattern: re.Pattern, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if found := pattern.search(line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    raise AssertionError(f"no line matching {pattern.pattern!r} in:\n{self.text()}")
                self._changed.wait(min(left, 1.0))

    def text(self) -> str:
        self._thread.join(5)
        return "".join(self.lines)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def _post_form(url: str, fields: dict) -> dict:
    """What the UI's Start button sends: a urlencoded form."""
    with urllib.request.urlopen(url, data=urllib.parse.urlencode(fields).encode(), timeout=10) as resp:
        return json.loads(resp.read())


def _checkouts_seen(ui: str, name: str, at_least: int, users: int, timeout: float) -> dict:
    """Poll Locust's own statistics until the request `name` was made `at_least` times with `users`
    users running; returns those statistics."""
    deadline = time.monotonic() + timeout
    stats: dict = {}
    while time.monotonic() < deadline:
        stats = json.loads(_get(f"{ui}/stats/requests"))
        count = next((s["num_requests"] for s in stats["stats"] if s["name"] == name), 0)
        if count >= at_least and stats["user_count"] == users:
            return stats
        time.sleep(0.5)
    raise AssertionError(f"not {at_least} {name!r} requests with {users} users in {timeout:g}s: "
                         f"{[(s['name'], s['num_requests']) for s in stats.get('stats', [])]}, "
                         f"users {stats.get('user_count')}")


def _template_args(page: str) -> dict:
    """What Locust's page hands its script: the start form's values, the extra tabs."""
    found = re.search(r"window\.templateArgs\s*=\s*(\{.*?\})\s*;?\s*</script>", page, re.S)
    assert found, page[:2000]
    return json.loads(found.group(1))


def _processes_with(marker: str) -> list[str]:
    """Live processes whose environment carries the marker: the test's subprocess and what it started
    (gateways, proxy and merchant don't name the report dir in their argv)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                if (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


def _end(proc: subprocess.Popen) -> None:
    """After a failure: Ctrl-C first (paychaos stops what it started), SIGKILL if that hangs."""
    for sig, wait_s in ((signal.SIGINT, 60), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            continue


def test_start_in_the_web_ui_then_ctrl_c_writes_the_report(report_dir):
    marker = uuid.uuid4().hex
    # stdout is a pipe here, as with `paychaos load --web | tee log`: the URL must show all the same.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PAYCHAOS_TEST_MARKER"] = marker
    # The form says 20 s and 2 users; the user types 40 s and 3. The Ctrl-C below lands mid-phase, the
    # way a user ends a web run. No think time: the customers are mid-checkout when it comes, and those
    # checkouts must still be recorded.
    proc = subprocess.Popen(
        [sys.executable, "-P", "-m", "paychaos.cli", "load", "steady", "--web", "--users", "2", "--duration", "20",
         "--think", "0", "--report-dir", str(report_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    output = Output(proc)
    try:
        ui, port = output.wait_for(UI_LINE, timeout=60).groups()
        assert int(port) > 0
        page = _get(ui).decode()
        assert "<title>Locust</title>" in page
        args = _template_args(page)
        # the form is there (not greyed out for a shape class) and filled in with the run's values
        assert args["hide_common_options"] is False and args["shape_use_common_options"] is True
        assert (args["num_users"], args["spawn_rate"], args["run_time"]) == (2, 2, 20)
        assert args["extended_tabs"] == [{"title": "paychaos phases", "key": "paychaos-phases"}]

        started = _post_form(f"{ui}/swarm", {"user_count": 3, "spawn_rate": 3, "run_time": "40s"})
        assert started["success"] is True, started
        assert "shape class 'Steady'" in started["message"]   # the profile's phases drive the users
        stats = _checkouts_seen(ui, "checkout [steady]", at_least=20, users=3, timeout=40)
        seen = next(s["num_requests"] for s in stats["stats"] if s["name"] == "checkout [steady]")
        assert stats["state"] in ("spawning", "running")
        assert "checkout" not in [s["name"] for s in stats["stats"]]    # every checkout under its phase's name
        assert stats["paychaos"]["phase"] == "steady" and stats["paychaos"]["users"] == 3
        [tab] = [t for t in stats["extended_stats"] if t["key"] == "paychaos-phases"]
        [row] = tab["data"]
        assert row["phase"] == "steady" and row["users"] == "3" and row["window"] == "0-40s"
        assert row["state"].startswith("running: ") and row["state"].endswith(", 3 users")
        assert row["request_name"] == "checkout [steady]" and row["faults"] == "none"

        os.killpg(proc.pid, signal.SIGINT)   # Ctrl-C: the terminal signals its foreground group
        proc.wait(timeout=60)
        text = output.text()
        assert proc.returncode == 0, text    # with --web, Ctrl-C is the end of the run: the score decides
        assert "Traceback" not in text
        # Ctrl-C'd before its 40 s: the summary says the users and length typed in the form, and how
        # long it really ran
        assert "paychaos load steady: 3 users, ran " in text and "of 40s (interrupted)" in text
        assert f"report: {report_dir}/report.html" in text
        assert _processes_with(marker) == [], "a process of the run outlived it"
    finally:
        _end(proc)

    report = json.loads((report_dir / "report.json").read_text())
    assert report["errors"] == []
    run = report["run"]
    assert (run["users"], run["duration_s"], run["web"], run["interrupted"]) == (3, 40, True, True)
    assert 0 < run["ran_s"] < 40
    phases = report["metrics"]["phases"]
    assert [p["name"] for p in phases] == ["steady"]
    assert phases[0]["checkouts"] >= seen > 0 and phases[0]["success_rate"] >= 0.8
    totals = report["metrics"]["totals"]
    # Every checkout in flight at Ctrl-C finished and was recorded: Locust's count, the ledger's orders.
    assert report["locust"]["num_requests"] == totals["checkouts"]
    assert list(report["locust"]["by_name"]) == ["checkout [steady]"]
    assert totals["paid"] == totals["ledger_charged_orders"] > 0 and totals["ledger_unknown_orders"] == 0
    assert "Traceback" not in (report_dir / "locust.log").read_text()
    assert report["verdict"]["score"]["total"] >= report["run"]["threshold"]
    assert (report_dir / "report.html").exists()
