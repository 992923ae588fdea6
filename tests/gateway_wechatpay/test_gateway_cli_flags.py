"""`paychaos gateway --dialect wechatpay --keys-dir DIR --notify-url URL`, as a developer starts it by hand
(a real subprocess): the official wechatpayv3 SDK reads its credentials from the files in DIR, pays, and the
notification arrives at URL, where the SDK's own callback() decrypts and verifies it. DIR is kept after exit,
and a gateway started again on it reuses its keys, so the shop's configuration still holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from wechatpayv3 import WeChatPay, WeChatPayType

from paychaos.common.ports import free_port
from paychaos.common.procs import paychaos_argv, start_service
from paychaos.gateway.wechatpay.testing import customer_pays
from tests.gateway_wechatpay.conftest import Receiver


def _client_from_folder(folder: Path, url: str) -> WeChatPay:
    """What a shop's configuration names: the files in the folder, their values in wechatpay.json."""
    info = json.loads((folder / "wechatpay.json").read_text())
    wx = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=info["mchid"], appid=info["appid"],
                   cert_serial_no=info["merchant_serial_no"],
                   private_key=(folder / "apiclient_key.pem").read_text(),
                   apiv3_key=(folder / "apiv3_key.txt").read_text(), cert_dir=str(folder / "platform_certs"),
                   notify_url="http://127.0.0.1:9/never-used")
    wx._core._gate_way = url
    return wx


def _start(folder: Path, notify_url: str):
    return start_service("gateway", paychaos_argv("gateway", "--dialect", "wechatpay", "--port", "0",
                                                 "--keys-dir", str(folder), "--notify-url", notify_url), timeout=60)


def _pay_and_hear(svc, wx, receiver, out_trade_no: str, count: int) -> list[dict]:
    wx._core._gate_way = svc.url
    code, body = wx.pay(description="灯笼", out_trade_no=out_trade_no, amount={"total": 1200})
    assert code == 200, body                 # the answer's signature verified with the folder's certificate
    customer_pays(svc.url, out_trade_no=out_trade_no, token=svc.info["token"])
    return receiver.wait_for(count, timeout_s=60)


def test_keys_dir_and_notify_url_let_a_shop_pay_and_hear_back_across_restarts(tmp_path):
    folder = tmp_path / "wechat-keys"
    receiver = Receiver(None)
    try:
        svc = _start(folder, receiver.url)
        try:
            info = svc.info["wechatpay"]
            assert Path(info["dir"]) == folder and Path(info["private_key_file"]).parent == folder
            assert info["keys_reused"] is False
            wx = receiver.wx = _client_from_folder(folder, svc.url)   # the shop's configuration, read once
            got = _pay_and_hear(svc, wx, receiver, "CLI-100001", 1)
        finally:
            svc.stop()
        assert got, "no notification reached --notify-url"
        svc = _start(folder, receiver.url)   # restarted on the same folder: the same keys
        try:
            assert svc.info["wechatpay"]["keys_reused"] is True
            got = _pay_and_hear(svc, wx, receiver, "CLI-100002", 2)
        finally:
            svc.stop()
    finally:
        receiver.close()
    assert [g["checked"]["resource"]["out_trade_no"] for g in got[:2]] == ["CLI-100001", "CLI-100002"], got
    assert all(g["checked"]["resource"]["trade_state"] == "SUCCESS" for g in got[:2])   # decrypted and verified
    # the folder outlives the gateway: the shop's configuration still points at real files
    assert (folder / "apiclient_key.pem").exists() and (folder / "wechatpay.json").exists()


def _gateway(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paychaos.cli", "gateway", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)


def test_notify_url_off_this_machine_is_refused_with_exit_2():
    done = _gateway("--dialect", "wechatpay", "--notify-url", "http://hooks.example.com/notify")
    assert done.returncode == 2, done.stderr
    assert "--notify-url: 'http://hooks.example.com/notify'" in done.stderr and "--allow-webhook-host" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("flag,value", [("--keys-dir", "keys"), ("--notify-url", "http://127.0.0.1:{port}/n")])
def test_dialect_flags_on_the_stripe_gateway_are_refused_not_ignored(tmp_path, flag, value):
    done = _gateway(flag, value.replace("keys", str(tmp_path / "keys")).replace("{port}", str(free_port())))
    assert done.returncode == 2, done.stderr
    assert f"{flag}: is for the Alipay and WeChat Pay fakes" in done.stderr
    assert "Traceback" not in done.stderr


def test_webhook_url_on_the_wechatpay_gateway_names_notify_url():
    done = _gateway("--dialect", "wechatpay", "--webhook-url", f"http://127.0.0.1:{free_port()}/hook")
    assert done.returncode == 2, done.stderr
    assert "--webhook-url: is the Stripe fake's" in done.stderr and "--notify-url URL" in done.stderr
