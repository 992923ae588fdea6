"""`paychaos init`: starter files that load as written, no questions off a terminal, questions on one,
no overwriting without --force, and bad flags refused with exit 2. (The files are run against the
resilient merchant by the quick start test in tests/docs and by the CI template tests.)"""

import os
import pty
import subprocess
import sys

import pytest

from paychaos.scenario.load import load_scenario_file
from paychaos.target import load_target

SCENARIO = "starter-gateway-blip.yaml"


def init(*args, cwd, stdin=subprocess.DEVNULL):
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "init", *args], cwd=cwd, stdin=stdin,
                          capture_output=True, text=True, timeout=60)


def test_without_a_terminal_it_asks_nothing_and_writes_loadable_files(tmp_path):
    out = init("--name", "shop", "--start", "python -m shop --port {port}", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "?" not in out.stdout and "[" not in out.stdout   # no prompt was shown
    assert "paychaos run paychaos/scenarios --target paychaos/target.yaml" in out.stdout
    target = load_target(str(tmp_path / "paychaos" / "target.yaml"))
    assert target.name == "shop"
    assert target.start.command == ("python", "-m", "shop", "--port", "{port}")
    assert target.start.env["STRIPE_API_BASE"] == "{gateway_url}"
    assert target.base_url == "http://127.0.0.1:{port}"
    scenario = load_scenario_file(str(tmp_path / "paychaos" / "scenarios" / SCENARIO))
    assert scenario.name == "starter-gateway-blip" and scenario.faults


def test_an_app_already_running_gets_a_fixed_port_and_no_start(tmp_path):
    out = init("--dir", "ci/chaos", "--port", "9123", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    target = load_target(str(tmp_path / "ci" / "chaos" / "target.yaml"))
    assert target.start is None and target.base_url == "http://127.0.0.1:9123"
    assert target.name == "my-shop"


def test_a_fixed_port_fills_the_start_command(tmp_path):
    assert init("--port", "9200", "--start", "./serve --port={port}", cwd=tmp_path).returncode == 0
    target = load_target(str(tmp_path / "paychaos" / "target.yaml"))
    assert target.start.command == ("./serve", "--port=9200")
    assert target.base_url == "http://127.0.0.1:9200"


def test_existing_files_are_kept_unless_forced(tmp_path):
    assert init("--name", "first", cwd=tmp_path).returncode == 0
    out = init("--name", "second", cwd=tmp_path)
    assert out.returncode == 2
    assert "paychaos/target.yaml" in out.stderr and "--force" in out.stderr and "nothing was written" in out.stderr
    assert load_target(str(tmp_path / "paychaos" / "target.yaml")).name == "first"
    assert init("--name", "second", "--force", cwd=tmp_path).returncode == 0
    assert load_target(str(tmp_path / "paychaos" / "target.yaml")).name == "second"


def test_forward_writes_the_one_key_and_no_path(tmp_path):
    out = init("--forward", "--start", "node server.js --port {port}", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "paychaos" / "target.yaml").read_text()
    target = load_target(str(tmp_path / "paychaos" / "target.yaml"))
    assert target.start.forward and target.forward
    assert "STRIPE_API_BASE" not in target.start.env and "HTTPS_PROXY" not in target.start.env
    assert all("/" not in v for v in target.start.env.values())       # no path to the shim or the CA
    assert "forward_env" not in text and "REQUESTS_CA_BUNDLE" not in text


def test_without_forward_the_hint_names_the_key(tmp_path):
    assert init("--start", "python -m shop --port {port}", cwd=tmp_path).returncode == 0
    text = (tmp_path / "paychaos" / "target.yaml").read_text()
    assert "`forward: true`" in text and "REQUESTS_CA_BUNDLE" not in text
    assert not load_target(str(tmp_path / "paychaos" / "target.yaml")).forward


@pytest.mark.parametrize("args, words", [
    (["--port", "http"], ["--port: 'http' is not a whole number", "valid: a port from 1 to 65535"]),
    (["--port", "70000"], ["--port: 70000 is out of range"]),
    (["--dir", "/proc/x"], ["--dir: cannot write to '/proc/x'", "valid: a writable directory"]),
    (["--name", "my shop!"], ["--name: 'my shop!' is not a usable name", "valid: letters"]),
    (["--start", "python -m shop"], ["--start: the command never says which port", "{port}"]),
    (["--start", "python 'unclosed"], ["--start: cannot split it into arguments"]),
    (["--forward"], ["--forward: forward mode needs paychaos to start your app", "valid: --start"]),
])
def test_bad_flags_are_refused(tmp_path, args, words):
    out = init(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("paychaos init: error: ") and "Traceback" not in out.stderr
    for word in words:
        assert word in out.stderr
    assert not (tmp_path / "paychaos").exists()


def test_on_a_terminal_it_asks_for_what_the_flags_did_not_give(tmp_path):
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"tea-shop\n./tea --listen {port}\n\n")
        out = init(cwd=tmp_path, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)
    assert out.returncode == 0, out.stderr
    assert "merchant name [my-shop]:" in out.stdout
    target = load_target(str(tmp_path / "paychaos" / "target.yaml"))
    assert target.name == "tea-shop"
    assert target.start.command == ("./tea", "--listen", "{port}")
    assert target.base_url == "http://127.0.0.1:{port}"
