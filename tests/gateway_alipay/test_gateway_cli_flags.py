"""`paychaos gateway --dialect alipay --keys-dir DIR --notify-url URL`, as a developer starts it by hand (a
real subprocess): the community Alipay SDK reads the key files in DIR, pays a barcode trade that names no
notify_url, and the signed notification arrives at URL and verifies with the SDK. DIR is kept after exit,
and a gateway started again on it reuses its keys, so the shop's configuration still holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alipay import AliPay

from paychaos.common.procs import paychaos_argv, start_service
from tests.gateway_alipay.test_sdks import _Hooks, pay


def _start(folder: Path, notify_url: str):
    return start_service("gateway", paychaos_argv("gateway", "--dialect", "alipay", "--port", "0",
                                                 "--keys-dir", str(folder), "--notify-url", notify_url), timeout=60)


def test_keys_dir_and_notify_url_let_a_shop_pay_and_hear_back_across_restarts(tmp_path):
    folder = tmp_path / "alipay-keys"
    hooks = _Hooks()
    try:
        svc = _start(folder, hooks.url)
        try:
            assert Path(svc.info["app_private_key_file"]).parent == folder and svc.info["keys_reused"] is False
            # the shop's configuration: the files in the folder, read once
            ali = AliPay(appid=svc.info["app_id"], app_notify_url=None,
                         app_private_key_string=(folder / "app_private_key.pem").read_text(),
                         alipay_public_key_string=(folder / "alipay_public_key.pem").read_text(), sign_type="RSA2")
            ali._gateway = svc.url + "/gateway.do"
            assert pay(ali, "cli-1")["code"] == "10000"
            posts = hooks.wait(1, timeout_s=60)
        finally:
            svc.stop()
        assert posts, "no notification reached --notify-url"
        # the fake restarted on the same folder: the same keys, so the shop's configuration still holds
        svc = _start(folder, hooks.url)
        try:
            assert svc.info["keys_reused"] is True
            ali._gateway = svc.url + "/gateway.do"
            assert pay(ali, "cli-2")["code"] == "10000"     # the answer's signature verified with the old key file
            posts = hooks.wait(2, timeout_s=60)
        finally:
            svc.stop()
    finally:
        hooks.server.shutdown()
        hooks.server.server_close()
    assert [p["out_trade_no"] for p in posts[:2]] == ["cli-1", "cli-2"]
    for post in posts[:2]:
        fields = dict(post)
        sign = fields.pop("sign")
        assert fields["trade_status"] == "TRADE_SUCCESS" and ali.verify(fields, sign)
    assert {p.name for p in folder.iterdir()} >= {"app_private_key.pem", "alipay_public_key.pem"}   # kept


def test_notify_url_off_this_machine_is_refused_with_exit_2():
    done = subprocess.run([sys.executable, "-m", "paychaos.cli", "gateway", "--dialect", "alipay", "--port", "0",
                           "--notify-url", "http://hooks.example.com/notify"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert "--notify-url: 'http://hooks.example.com/notify'" in done.stderr and "Traceback" not in done.stderr
