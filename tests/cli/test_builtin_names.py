"""Built-ins by name wherever a file is accepted: `paychaos run healthy-baseline`, `paychaos up
response-lost`, `paychaos proxy --scenario response-lost`, `--target naive`; a misspelt name gets
"did you mean", exit 2; a file of that name in the working directory wins."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from paychaos.common.errors import InputError
from paychaos.common.paths import builtin_scenario_names, scenario_file, target_file
from paychaos.common.procs import paychaos_argv, start_service


def paychaos(*args, cwd, timeout=120):
    return subprocess.run([sys.executable, "-m", "paychaos.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("argv, said", [
    (["run", "healthy-basline"], "did you mean 'healthy-baseline'?"),
    (["up", "respons-lost"], "did you mean 'response-lost'?"),
    (["proxy", "--upstream", "http://127.0.0.1:9", "--scenario", "gateway-outage-ful"],
     "did you mean 'gateway-outage-full'?"),
    (["run", "healthy-baseline", "--target", "naiv"], "did you mean 'naive'?"),
    (["load", "steady", "--target", "resilent"], "did you mean 'resilient'?"),
])
def test_a_misspelt_builtin_name_gets_did_you_mean_and_exit_2(tmp_path, argv, said):
    out = paychaos(*argv, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"paychaos {argv[0]}: error: ") and said in out.stderr
    assert "Traceback" not in out.stderr
    assert "(valid: " in out.stderr


def test_a_path_that_is_not_a_name_gets_no_guess(tmp_path):
    out = paychaos("up", "scenarios/healthy-baseline.yml", cwd=tmp_path)
    assert out.returncode == 2 and "no such file, nor a built-in scenario" in out.stderr
    assert "did you mean" not in out.stderr


def test_a_file_in_the_working_directory_wins_over_the_builtin_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scenario_file("response-lost").endswith(os.path.join("scenarios", "response-lost.yaml"))
    (tmp_path / "response-lost").write_text("name: mine\ncause: healthy\n")
    assert scenario_file("response-lost") == "response-lost"
    assert target_file("naive").endswith(os.path.join("targets", "naive.yaml"))
    with pytest.raises(InputError, match="nor a built-in target"):
        target_file("shop.yaml")


def test_proxy_applies_a_builtin_scenario_named_on_its_command_line():
    proxy = start_service("proxy", paychaos_argv("proxy", "--upstream", "http://127.0.0.1:9",
                                                 "--scenario", "response-lost"))
    try:
        info = proxy.info
        control = info["control"].rstrip("/")
        rules = requests.get(control + ("/rules" if control.endswith("/_paychaos") else "/_paychaos/rules"),
                             headers={"X-Paychaos-Token": info["token"]}, timeout=10).json()
        assert rules["scenario"] == "response-lost"
        assert [r["fault"] for r in rules["rules"]] == ["response_lost"]
    finally:
        proxy.stop()


def test_up_starts_with_a_builtin_scenario_by_name(tmp_path):
    proc = subprocess.Popen(paychaos_argv("up", "response-lost", "--quiet", "--journal", str(tmp_path / "j")),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        lines, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("paychaos up: scenario"):
                break
        assert lines[-1].startswith("paychaos up: scenario 'response-lost', 1 fault rule(s)"), "".join(lines)
        os.killpg(proc.pid, signal.SIGINT)
        assert "stopped" in proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_run_by_scenario_and_target_names_from_an_empty_folder(tmp_path):
    """Both by name, from a folder that holds nothing of paychaos: the run scores and reports them."""
    out = paychaos("run", "healthy-baseline", "--target", "naive", cwd=tmp_path)
    assert out.returncode in (0, 1), out.stderr   # a verdict either way (naive is careless on purpose)
    report = json.loads((tmp_path / "paychaos-report" / "report.json").read_text())
    assert report["target"] == "naive"
    assert [s["name"] for s in report["scenarios"]] == ["healthy-baseline"]
    assert report["scenarios"][0]["score"]["total"] > 0
    on_disk = sorted(f.stem for f in (Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
    assert sorted(builtin_scenario_names()) == on_disk


def test_a_dialects_scenarios_are_named_as_their_files_are(tmp_path):
    """`alipay-trade-closed` and `wechatpay/wechatpay-order-closed`: a dialect set's scenario by name,
    from any folder; a misspelt one gets "did you mean"."""
    assert scenario_file("alipay-trade-closed").endswith("alipay/alipay-trade-closed.yaml")
    assert scenario_file("wechatpay/wechatpay-order-closed").endswith("wechatpay/wechatpay-order-closed.yaml")
    with pytest.raises(InputError, match="did you mean 'alipay-trade-closed'"):
        scenario_file("alipay-trade-closd")
    out = paychaos("run", "wechatpay-order-closd", cwd=tmp_path)
    assert out.returncode == 2 and "did you mean 'wechatpay-order-closed'" in out.stderr
