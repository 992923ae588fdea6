"""Bad input to the WeChat Pay gateway and to a WeChat Pay target file: exit 2 or a clear refusal,
naming the flag or field and the valid forms; never a traceback, never a state change."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from paychaos.common.errors import InputError
from paychaos.common.procs import paychaos_argv, start_service
from paychaos.gateway.wechatpay.testing import get_ledger
from paychaos.target import parse_target


@pytest.mark.parametrize("args,flag", [
    (["--notify-scale", "nan"], "--notify-scale"),
    (["--notify-scale", "11"], "--notify-scale"),
    (["--notify-url", "http://example.com/notify"], "--notify-url"),
    (["--host", "0.0.0.0"], "--host"),
    (["--port", "70000"], "--port"),
])
def test_bad_flags_are_exit_2_with_one_line(args, flag):
    proc = subprocess.run(paychaos_argv("gateway-wechatpay", *args), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert flag in proc.stderr and "valid" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_sim_wants_the_token_and_a_loopback_host(wechat):
    assert requests.post(wechat.url + "/_sim/reset", json={}, timeout=10).status_code == 401
    wrong = {"X-Paychaos-Token": "x" * 40, "Content-Type": "application/json"}
    assert requests.post(wechat.url + "/_sim/reset", json={}, headers=wrong, timeout=10).status_code == 403
    right = {"X-Paychaos-Token": wechat.info["token"]}
    assert requests.get(wechat.url + "/_sim/ledger", headers={**right, "Host": "evil.example"},
                        timeout=10).status_code == 403
    body = requests.post(wechat.url + "/_sim/wechatpay/pay", json={"out_trade_no": "X", "colour": "red"},
                         headers=right, timeout=10)
    assert body.status_code == 400 and "colour" in body.text and "valid" in body.text


def test_api_without_authorization_is_sign_error_and_changes_nothing(wechat):
    resp = requests.post(wechat.url + "/v3/pay/transactions/native", json={"out_trade_no": "T-1"}, timeout=10)
    assert resp.status_code == 401 and resp.json()["code"] == "SIGN_ERROR"
    assert resp.headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert get_ledger(wechat.url)["payment_intents"] == []


TARGET = {"version": 1, "name": "t", "base_url": "http://127.0.0.1:{port}",
          "start": {"command": ["x"], "env": {"K": "{wechatpay.private_key_file}"}},
          "checkout": {"path": "/c", "outcome": {"status": "$.status"}}}


def test_a_target_names_a_known_dialect():
    speaks = parse_target({**TARGET, "dialect": "wechatpay"}, file="t.yaml").dialect_of
    assert speaks == {"primary": "wechatpay", "backup": "wechatpay"}
    with pytest.raises(InputError) as info:
        parse_target({**TARGET, "dialect": "wechat"}, file="t.yaml")
    assert "dialect" in str(info.value) and "wechatpay" in str(info.value)


def test_wechatpay_placeholders_need_the_wechatpay_dialect():
    with pytest.raises(InputError) as info:
        parse_target(TARGET, file="t.yaml")
    assert "dialect: wechatpay" in str(info.value)


def test_paychaos_gateway_dialect_wechatpay_is_the_same_gateway():
    """What a run starts for `dialect: wechatpay`: `paychaos gateway --dialect wechatpay`, the common flags."""
    svc = start_service("gateway-wx", paychaos_argv("gateway", "--dialect", "wechatpay", "--port", "0",
                                                    "--notify-time-scale", "0.5"), timeout=60)
    try:
        assert svc.info["dialect"] == "wechatpay" and Path(svc.info["wechatpay"]["private_key_file"]).is_file()
        health = requests.get(svc.url + "/_sim/health", headers={"X-Paychaos-Token": svc.info["token"]}, timeout=10)
        assert health.status_code == 200
    finally:
        svc.stop()
