"""The proxy's CLI surface: bad input exits 2 with a clear message, plain `mitmdump -s` loads the addon,
`paychaos list`, `paychaos journal` filters, and `paychaos up` starts and stops a whole stack."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

import requests

from paychaos.common.ports import free_port
from paychaos.common.procs import paychaos_argv, start_process_group, start_service, stop_process_group
from paychaos.proxies.forward import SITECUSTOMIZE_DIR, node_require
from paychaos.proxies.testing import running_proxy
from tests.proxies.conftest import journal_of

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, timeout=60):
    return subprocess.run(paychaos_argv(*args), capture_output=True, text=True, timeout=timeout, cwd=REPO)


def test_non_loopback_upstream_is_refused_without_allow_host():
    out = cli("proxy", "--upstream", "http://10.20.30.40:80")
    assert out.returncode == 2
    assert "not loopback" in out.stderr and "--allow-host 10.20.30.40" in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_scenario_faults_exit_2_naming_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfaults:\n  - fault: http_eror\n    params: {status: 503}\n")
    out = cli("proxy", "--upstream", "http://127.0.0.1:9", "--scenario", str(bad))
    assert out.returncode == 2
    assert f"{bad}: faults[0].fault: unknown fault 'http_eror'; did you mean 'http_error'?" in out.stderr
    assert "Traceback" not in out.stderr


def test_plain_mitmdump_loads_the_addon(upstream, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: via-mitmdump\nfaults:\n  - fault: http_error\n    params: {status: 502}\n")
    journal = tmp_path / "j.jsonl"
    mitmdump = os.path.join(os.path.dirname(sys.executable), "mitmdump")
    argv = [mitmdump, "-q", "-s", os.path.join(REPO, "proxies", "addon.py"),
            "--mode", f"reverse:{upstream.url}@127.0.0.1:0", "--set", "connection_strategy=lazy",
            "--set", f"paychaos_scenario={scenario}", "--set", f"paychaos_journal={journal}",
            "--set", "paychaos_announce=true"]
    with start_service("mitmdump", argv) as svc:
        resp = requests.post(svc.url + "/v1/payment_intents", data={"amount": 1}, timeout=5)
        assert resp.status_code == 502 and resp.json()["error"]["type"] == "api_error"
        recs = journal_of(svc, "via-mitmdump")
        assert recs[0]["faults"] == [{"fault": "http_error", "rule": "r1"}]


def test_plain_mitmdump_without_the_ready_line_says_the_control_token_on_stderr(upstream):
    """Without paychaos_announce nobody reads a ready line: the token the addon made is on stderr."""
    port = free_port()
    mitmdump = os.path.join(os.path.dirname(sys.executable), "mitmdump")
    argv = [mitmdump, "-q", "-s", os.path.join(REPO, "proxies", "addon.py"),
            "--mode", f"reverse:{upstream.url}@127.0.0.1:{port}", "--set", "connection_strategy=lazy"]
    env = {k: v for k, v in os.environ.items() if k != "PAYCHAOS_TOKEN"}
    proc = start_process_group(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        assert line.startswith("paychaos: control API token (send it as X-Paychaos-Token): "), line
        token = line.rsplit(" ", 1)[1].strip()
        control = f"http://127.0.0.1:{port}/_paychaos/rules"
        assert requests.get(control, timeout=5).status_code == 401
        assert requests.get(control, headers={"X-Paychaos-Token": token}, timeout=5).json()["rules"] == []
    finally:
        stop_process_group(proc)
        proc.stderr.close()


def test_list_shows_faults_with_units_and_scenarios():
    out = cli("list")
    assert out.returncode == 0
    assert "latency" in out.stdout and "delay_ms: number" in out.stdout
    assert "webhook_duplicate" in out.stdout and "[webhook leg]" in out.stdout
    decline = next(line for line in out.stdout.splitlines() if line.strip().startswith("decline "))
    assert decline.endswith("[applies to: payment calls]")
    assert "`match.kind`" in out.stdout and "payment, capture, refund, lookup, customer, webhook, other" in out.stdout
    assert "Scenarios" in out.stdout


def test_journal_command_filters(upstream, tmp_path):
    journal = tmp_path / "j.jsonl"
    with running_proxy({"primary": upstream.url}, journal=journal) as proxy:
        from paychaos.proxies.testing import set_rules
        set_rules(proxy.info["control"], [{"fault": "http_error", "params": {"status": 503}, "times": 1}],
                  scenario="cli")
        for key in ("k-1", "k-2"):
            requests.post(proxy.url + "/v1/payment_intents", headers={"Idempotency-Key": key}, timeout=5)
        journal_of(proxy, "cli", n=2)
    out = cli("journal", str(journal), "--status", "5xx")
    assert out.returncode == 0 and "k-1" in out.stdout and "k-2" not in out.stdout and "(1 exchange)" in out.stdout
    out = cli("journal", str(journal), "--key", "k-2", "--json")
    assert [json.loads(line)["status"] for line in out.stdout.splitlines()] == [200]
    assert cli("journal", str(journal), "--fault", "reset").stdout.strip().endswith("(0 exchanges)")
    bad = cli("journal", str(journal), "--status", "abc")
    assert bad.returncode == 2 and "--status" in bad.stderr


def test_up_starts_gateway_and_proxy_and_ctrl_c_stops_all(tmp_path):
    scenario = tmp_path / "up.yaml"
    scenario.write_text("name: up-demo\ncause: rate_limit\nfaults:\n  - fault: rate_limit\n"
                        "    params: {retry_after_s: 2}\n    times: 1\n")
    journal = tmp_path / "j.jsonl"
    app_path = os.pathsep.join(filter(None, [str(tmp_path / "app-lib"), os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen(paychaos_argv("up", str(scenario), "--journal", str(journal)), cwd=REPO,
                            env={**os.environ, "PYTHONPATH": app_path},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        env, lines = {}, []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.strip().startswith("export "):
                k, _, v = line.strip()[7:].partition("=")
                env[k] = "".join(shlex.split(v))
            if "Ctrl-C stops everything" in line:
                break
        assert "STRIPE_API_BASE" in env and "HTTPS_PROXY" in env and "PYTHONPATH" in env, "".join(lines)
        assert env["PYTHONPATH"] == os.pathsep.join([SITECUSTOMIZE_DIR, app_path])  # the app's entries stay
        assert env["NODE_OPTIONS"].startswith(node_require())                      # Node's proxy shim
        if shutil.which("keytool"):                                                 # Java: a trust store, written
            store = env["JAVA_TOOL_OPTIONS"].split("-Djavax.net.ssl.trustStore=")[1].split()[0]
            assert os.path.getsize(store) > 0 and "-Dhttps.proxyHost=127.0.0.1" in env["JAVA_TOOL_OPTIONS"]
        base = env["STRIPE_API_BASE"]
        # The token /_sim and the control API want, and curl lines that work when pasted as printed.
        token = env["PAYCHAOS_TOKEN"]
        curls = [line.strip() for line in lines if line.strip().startswith("curl ")]
        ledger_url = next(c.split()[-1] for c in curls if c.endswith("/_sim/ledger"))
        assert requests.get(ledger_url, timeout=5).status_code == 401
        shell_env = {**os.environ, "PAYCHAOS_TOKEN": token}
        pasted = [json.loads(subprocess.run(["bash", "-c", c], capture_output=True, text=True, timeout=10,
                                            env=shell_env).stdout) for c in curls if " -X PUT " not in c]
        assert pasted[0]["payment_intents"] == []                       # the ledger
        assert [r["fault"] for r in pasted[1]["rules"]] == ["rate_limit"]  # the scenario's rules
        auth = {"Authorization": "Bearer sk_test_up"}
        data = {"amount": 900, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}
        first = requests.post(base + "/v1/payment_intents", data=data, headers=auth, timeout=10)
        second = requests.post(base + "/v1/payment_intents", data=data, headers=auth, timeout=10)
        assert (first.status_code, second.status_code) == (429, 200)
        assert second.json()["status"] == "succeeded"
        seen = ""
        while "succeeded" not in seen and time.monotonic() < deadline:  # the live table shows both
            line = proc.stdout.readline()
            seen += line
            if " 200 " in line:
                break
        assert "/v1/payment_intents" in seen
        put = next(c for c in curls if " -X PUT " in c)
        answer = subprocess.run(["bash", "-c", put], capture_output=True, text=True, timeout=10, env=shell_env)
        assert json.loads(answer.stdout)["rules"] == []
        os.killpg(proc.pid, signal.SIGINT)
        rest = proc.communicate(timeout=30)[0]
        assert proc.returncode == 0 and "stopped" in rest
        try:
            requests.get(base + "/_paychaos/health", timeout=2)
            raise AssertionError("the proxy still answers after Ctrl-C")
        except requests.ConnectionError:
            pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
