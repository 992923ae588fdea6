"""End to end: real gateways, a real mitmproxy and the real resilient merchant, driven by the runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from paychaos.runner import Session, run_suite
from paychaos.scenario.load import BUILTIN_DIR, load_scenario_file
from paychaos.target import load_target

pytestmark = pytest.mark.slow


def builtin(name: str):
    return load_scenario_file(str(BUILTIN_DIR / f"{name}.yaml"))


@pytest.fixture(scope="module")
def session():
    with Session(load_target(None)) as s:
        yield s


def captured_by_order(ledger: dict) -> dict:
    return {order: cell["captured"] for order, cell in ledger["money"]["by_metadata"].get("order_id", {}).items()}


def test_a_healthy_scenario_yields_the_four_observations(session):
    obs = session.run(builtin("healthy-baseline"))
    assert obs.errors == []
    assert [c.status for c in obs.checkouts] == ["paid"] * 4
    assert {c.locale for c in obs.checkouts} == {"en_US", "zh_CN"}
    assert all(c.message and c.elapsed_s < 5 for c in obs.checkouts)
    assert {o: a["status"] for o, a in obs.orders.items()} == {c.order_id: "paid" for c in obs.checkouts}
    # money moved once per order, for the amount the driver chose
    assert captured_by_order(obs.ledger) == {c.order_id: c.amount for c in obs.checkouts}
    assert obs.journal and {r["scenario"] for r in obs.journal} == {"healthy-baseline"}
    assert obs.backup_ledger is not None and obs.started_at < obs.ended_at


def test_faults_are_applied_and_journaled_and_each_scenario_starts_clean(session):
    obs = session.run(builtin("response-lost"))
    assert obs.errors == []
    lost = [r for r in obs.journal if any(f["fault"] == "response_lost" for f in r["faults"])]
    assert len(lost) == 2 and all(r["status"] is None for r in lost)
    # the charge behind a lost answer is not repeated: still exactly one capture per order
    assert captured_by_order(obs.ledger) == {c.order_id: c.amount for c in obs.checkouts}
    assert [c.status for c in obs.checkouts] == ["paid"] * 4
    # the gateways were reset and the journal filtered: nothing of the previous scenario is seen
    assert {r["scenario"] for r in obs.journal} == {"response-lost"}
    assert not any(o.startswith("healthy-baseline") for o in captured_by_order(obs.ledger))


def test_bad_card_data_never_stores_a_whole_card_number(session):
    obs = session.run(builtin("bad-card-data"))
    assert obs.errors == []
    assert {c.expected for c in obs.checkouts} == {"invalid:incorrect_number", "invalid:invalid_expiry_year",
                                                   "invalid:invalid_cvc"}
    assert all(c.status == "failed" for c in obs.checkouts)
    text = repr([c.to_dict() for c in obs.checkouts]) + repr(obs.journal)
    assert "4242424242424242" not in text and "424242******4242" in text


def _children() -> set[int]:
    me = os.getpid()
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def test_a_merchant_that_dies_is_reported_with_its_output_and_the_suite_goes_on(tmp_path):
    target_file = tmp_path / "dying.yaml"
    target_file.write_text(textwrap.dedent("""\
        name: dying
        start:
          command: ["{python}", "-c", "print('boom on card 4242424242424242'); raise SystemExit(3)"]
          ready: {path: /health, timeout_s: 10}
        base_url: "http://127.0.0.1:{port}"
        checkout: {path: /checkout, outcome: {status: "$.status"}}
        """))
    before = _children()
    events = []
    results = run_suite([builtin("healthy-baseline"), builtin("insufficient-funds")], load_target(str(target_file)),
                        on_event=lambda kind, *payload: events.append(kind))
    assert [o.scenario.name for o in results] == ["healthy-baseline", "insufficient-funds"]
    for obs in results:
        assert obs.checkouts == [] and len(obs.errors) == 1
        assert "the merchant exited with status 3 before it was ready" in obs.errors[0]
        assert "boom on card 424242******4242" in obs.errors[0]
    assert events == ["scenario_started", "scenario_finished"] * 2
    assert _children() <= before  # no gateway, proxy or merchant left behind


SCRIPT = """
import sys
from paychaos.runner import run_suite
from paychaos.scenario.load import load_scenarios
from paychaos.target import load_target
def show(kind, *payload):
    print(kind, flush=True)
run_suite(load_scenarios(sys.argv[1:]), load_target(None), workers=2, on_event=show)
"""


def test_ctrl_c_leaves_no_process_behind(tmp_path):
    marker = uuid.uuid4().hex
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(BUILTIN_DIR / "gateway-hang.yaml"), str(BUILTIN_DIR / "rate-limit.yaml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PAYCHAOS_TEST_MARKER": marker}, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        for line in proc.stdout:
            if line.startswith("scenario_started") or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        assert proc.returncode != 0
        left = _processes_with(marker)
        assert left == [], [Path(f"/proc/{p}/cmdline").read_bytes() for p in left]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment carries the marker (they descend from the test's subprocess)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_a_journal_that_cannot_be_written_makes_the_scenario_errored_never_a_better_score(tmp_path, monkeypatch):
    """A full disk under the proxy's journal: exchanges go unjournaled, so the scenario is errored (score
    0, the reason said), not scored on the evidence that happened to fit."""
    import tempfile

    from paychaos.scoring import score
    disk = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and tmpfs mounts")
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(disk))
        with Session(load_target(None)) as s:
            obs = s.run(builtin("healthy-baseline"))
        assert obs.proxy_health["journal_failures"] > 0
        assert any("could not journal" in e for e in obs.errors)
        result = score(obs)
        assert result.error and result.total == 0 and not result.passed
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
