"""The control API takes a per-run token: without `X-Paychaos-Token`, or with a wrong one, every
/_paychaos call (health included) is refused (401 / 403, JSON naming the header), changes nothing
and is never forwarded; the token is the ready line's `token`; `--control-token` and
$PAYCHAOS_TOKEN choose it. A real proxy process, real HTTP."""

from __future__ import annotations

import os
import subprocess

import pytest
import requests

from paychaos.common import localtoken
from paychaos.common.procs import paychaos_argv
from paychaos.proxies.testing import get_rules, running_proxy, set_rules

HEADER = "X-Paychaos-Token"
RULE = {"fault": "http_error", "params": {"status": 503}}
OTHER = {"rules": [{"fault": "latency", "params": {"delay_ms": 1}}], "scenario": "intruder"}


def test_the_token_is_in_the_ready_line(proxy):
    token = proxy.info["token"]
    assert isinstance(token, str) and len(token) >= localtoken.MIN_LENGTH
    assert requests.get(proxy.info["control"] + "/health", headers={HEADER: token}, timeout=5).json()["ok"] is True


@pytest.mark.parametrize("headers,status", [({}, 401), ({HEADER: ""}, 401), ({HEADER: "wrong-token-wrong-token"}, 403),
                                            ({HEADER: "²²²"}, 403)])
def test_a_rules_put_without_the_right_token_leaves_the_rules(proxy, control, upstream, headers, status):
    set_rules(control, [RULE], scenario="mine")
    resp = requests.put(control + "/rules", json=OTHER, headers=headers, timeout=5)
    assert resp.status_code == status and HEADER in resp.json()["error"]["message"]
    resp = requests.delete(control + "/rules", headers=headers, timeout=5)
    assert resp.status_code == status
    rules = get_rules(control)
    assert rules["scenario"] == "mine" and [r["fault"] for r in rules["rules"]] == ["http_error"]
    assert upstream.received == []   # refused here, never forwarded


@pytest.mark.parametrize("method,path", [("GET", "/rules"), ("GET", "/health"), ("GET", "/nothing"),
                                         ("POST", "/rules")])
def test_every_control_call_wants_the_token(proxy, control, upstream, method, path):
    resp = requests.request(method, control + path, json={} if method == "POST" else None, timeout=5)
    assert resp.status_code == 401 and resp.headers["Content-Type"] == "application/json"
    assert f"the control API needs the header {HEADER}" in resp.json()["error"]["message"]
    assert upstream.received == []


def test_a_token_of_another_proxy_is_refused(proxy, control, upstream):
    with running_proxy({"primary": upstream.url}) as other:
        assert other.info["token"] != proxy.info["token"]
        resp = requests.put(control + "/rules", json=OTHER, headers={HEADER: other.info["token"]}, timeout=5)
        assert resp.status_code == 403
    assert get_rules(control)["rules"] == []


def test_the_right_token_works(proxy, control, upstream):
    token = {HEADER: proxy.info["token"]}
    resp = requests.put(control + "/rules", json={"rules": [RULE], "scenario": "ok"}, headers=token, timeout=5)
    assert resp.status_code == 200
    assert requests.post(proxy.url + "/v1/payment_intents", data={"amount": 1}, timeout=5).status_code == 503
    assert requests.delete(control + "/rules", headers=token, timeout=5).status_code == 200
    assert requests.get(control + "/rules", headers=token, timeout=5).json()["rules"] == []


def test_the_api_never_sees_the_token(proxy, control, upstream):
    """Merchants and the stripe SDK talk to /v1 as before: no token needed, none added."""
    resp = requests.post(proxy.url + "/v1/payment_intents", data={"amount": 1}, timeout=5)
    assert resp.status_code == 200
    assert not any(k.lower() == HEADER.lower() for k in upstream.received[-1]["headers"])


def test_control_token_flag_and_environment_choose_the_token(upstream):
    chosen = "flag-token-0123456789abcdef"
    with running_proxy({"primary": upstream.url}, control_token=chosen) as svc:
        assert svc.info["token"] == chosen
        assert requests.get(svc.info["control"] + "/rules", headers={HEADER: chosen}, timeout=5).status_code == 200
    env_token = "env-token-0123456789abcdef"
    with running_proxy({"primary": upstream.url}, env={localtoken.ENV: env_token}) as svc:
        assert svc.info["token"] == env_token


@pytest.mark.parametrize("argv,env,field", [
    (["--control-token", "short"], {}, "--control-token"), ([], {localtoken.ENV: "no/slashes/in/a/token"}, "PAYCHAOS_TOKEN")])
def test_a_bad_token_is_exit_2_naming_where_it_came_from(upstream, argv, env, field):
    out = subprocess.run(paychaos_argv("proxy", "--upstream", upstream.url, *argv), capture_output=True, text=True,
                         timeout=60, env={**os.environ, **env})
    assert out.returncode == 2 and field in out.stderr and "Traceback" not in out.stderr
