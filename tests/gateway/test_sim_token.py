"""/_sim takes a per-run token: without `X-Paychaos-Token`, or with a wrong one, every call that
changes or reveals state is refused (401 / 403, JSON naming the header) and changes nothing; the
token is the ready line's `token`; `--sim-token` and $PAYCHAOS_TOKEN choose it. A real gateway
process, real HTTP."""

from __future__ import annotations

import os
import subprocess

import pytest
import requests

from paychaos.common import localtoken
from paychaos.common.procs import paychaos_argv
from paychaos.gateway.testing import get_ledger, running_gateway

AUTH = {"Authorization": "Bearer sk_test_token"}
PAY = {"amount": 700, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}
HEADER = "X-Paychaos-Token"


def _pay(gateway) -> dict:
    resp = requests.post(gateway.url + "/v1/payment_intents", data=PAY, headers=AUTH, timeout=5)
    assert resp.status_code == 200  # /v1 wants no token
    return resp.json()


def _config(gateway) -> dict:
    return requests.get(gateway.url + "/_sim/config", headers={HEADER: gateway.info["token"]}, timeout=5).json()


def test_the_token_is_in_the_ready_line(gateway):
    token = gateway.info["token"]
    assert isinstance(token, str) and len(token) >= localtoken.MIN_LENGTH
    assert requests.get(gateway.url + "/_sim/ledger", headers={HEADER: token}, timeout=5).status_code == 200


@pytest.mark.parametrize("headers,status", [({}, 401), ({HEADER: ""}, 401), ({HEADER: "wrong-token-wrong-token"}, 403)])
def test_a_reset_without_the_right_token_leaves_the_ledger(gateway, headers, status):
    pi = _pay(gateway)
    resp = requests.post(gateway.url + "/_sim/reset", json={}, headers=headers, timeout=5)
    assert resp.status_code == status
    assert HEADER in resp.json()["error"]["message"]
    assert [p["id"] for p in get_ledger(gateway.url)["payment_intents"]] == [pi["id"]]   # not reset


def test_a_token_of_another_gateway_is_refused(gateway):
    with running_gateway() as other:
        assert other.info["token"] != gateway.info["token"]
        _pay(gateway)
        resp = requests.post(gateway.url + "/_sim/reset", json={}, headers={HEADER: other.info["token"]}, timeout=5)
        assert resp.status_code == 403
        assert len(get_ledger(gateway.url)["payment_intents"]) == 1


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/_sim/ledger", None), ("GET", "/_sim/config", None), ("POST", "/_sim/config", {"processing_delay_ms": 9}),
    ("GET", "/_sim/webhooks", None), ("POST", "/_sim/webhooks", {"url": "http://127.0.0.1:9/h", "secret": "whsec_x"}),
    ("DELETE", "/_sim/webhooks", None), ("POST", "/_sim/payment_intents/{id}/complete", {}),
    ("POST", "/_sim/payment_intents/{id}/fail", {}), ("GET", "/_sim/nothing", None)])
def test_every_sim_call_wants_the_token(gateway, method, path, body):
    pi = requests.post(gateway.url + "/v1/payment_intents", headers=AUTH, timeout=5, data={
        "amount": 500, "currency": "usd", "confirm": "true", "payment_method_data[type]": "alipay",
        "return_url": "http://127.0.0.1/r"}).json()
    before = get_ledger(gateway.url)
    resp = requests.request(method, gateway.url + path.format(id=pi["id"]), json=body, timeout=5)
    assert resp.status_code == 401 and resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["error"]["message"].startswith(f"/_sim needs the header {HEADER}")
    assert _config(gateway) == {"processing_delay_ms": 0}
    after = get_ledger(gateway.url)
    assert after["payment_intents"] == before["payment_intents"]   # not completed, not failed
    assert requests.get(gateway.url + "/_sim/webhooks", headers={HEADER: gateway.info["token"]},
                        timeout=5).json()["endpoints"] == []


def test_the_right_token_works(gateway):
    token = {HEADER: gateway.info["token"]}
    _pay(gateway)
    assert requests.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 3}, headers=token,
                         timeout=5).json() == {"processing_delay_ms": 3}
    assert requests.post(gateway.url + "/_sim/reset", json={}, headers=token, timeout=5).status_code == 200
    assert get_ledger(gateway.url)["payment_intents"] == []
    requests.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 0}, headers=token, timeout=5)


def test_health_and_the_customers_redirect_page_need_no_token(gateway):
    """Both change nothing and tell nothing: a liveness probe, and the page a customer's browser
    (which never has our headers) is sent to for Alipay and the like."""
    assert requests.get(gateway.url + "/_sim/health", timeout=5).json() == {"ok": True}
    pi = requests.post(gateway.url + "/v1/payment_intents", headers=AUTH, timeout=5, data={
        "amount": 500, "currency": "usd", "confirm": "true", "payment_method_data[type]": "alipay",
        "return_url": "http://127.0.0.1/r"}).json()
    page = requests.get(pi["next_action"]["alipay_handle_redirect"]["url"], timeout=5)
    assert page.status_code == 200 and pi["id"] in page.text
    assert get_ledger(gateway.url)["payment_intents"][0]["status"] == "requires_action"
    assert requests.post(gateway.url + "/_sim/health", json={}, timeout=5).status_code == 401  # GET only


def test_sim_token_flag_and_environment_choose_the_token():
    chosen = "flag-token-0123456789abcdef"
    with running_gateway(sim_token=chosen) as gw:
        assert gw.info["token"] == chosen
        assert requests.get(gw.url + "/_sim/ledger", headers={HEADER: chosen}, timeout=5).status_code == 200
    from paychaos.common.procs import start_service
    env_token = "env-token-0123456789abcdef"
    with start_service("gateway", paychaos_argv("gateway", "--port", "0"), env={localtoken.ENV: env_token}) as gw:
        assert gw.info["token"] == env_token


@pytest.mark.parametrize("argv,env,field", [
    (["--sim-token", "short"], {}, "--sim-token"), (["--sim-token", "has space in it 0123456789"], {}, "--sim-token"),
    ([], {localtoken.ENV: "short"}, localtoken.ENV)])
def test_a_bad_token_is_exit_2_naming_where_it_came_from(argv, env, field):
    out = subprocess.run(paychaos_argv("gateway", "--port", "0", *argv), capture_output=True, text=True,
                         timeout=30, env={**os.environ, **env})
    assert out.returncode == 2 and field in out.stderr and "Traceback" not in out.stderr
    assert "16..256 characters" in out.stderr


def test_token_unit():
    assert localtoken.matches("abc", "abc") and not localtoken.matches("abd", "abc")
    assert not localtoken.matches(None, "abc") and not localtoken.matches("²", "abc")
    assert not localtoken.matches("abc", "")
    assert localtoken.refusal(None, "abc", "/_sim")[0] == 401
    assert localtoken.refusal("abd", "abc", "/_sim")[0] == 403
    assert localtoken.refusal("abc", "abc", "/_sim") is None
    assert localtoken.choose_token(None, flag="--x", environ={}) != localtoken.choose_token(None, flag="--x", environ={})
    assert localtoken.choose_token(None, flag="--x", environ={localtoken.ENV: "e" * 16}) == "e" * 16
    assert localtoken.choose_token("f" * 16, flag="--x", environ={localtoken.ENV: "e" * 16}) == "f" * 16
