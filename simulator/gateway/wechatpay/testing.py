"""Helpers for tests and benches that need a WeChat Pay gateway: start a real `paychaos
gateway-wechatpay` process, play the customer, read the ledger.

    with running_wechatpay() as gw:
        creds = merchant_credentials(gw)       # mchid, appid, serial, private key, APIv3 key, cert_dir
        ...                                    # wechatpayv3.WeChatPay(**creds, ...); ._core._gate_way = gw.url
        customer_pays(gw.url, out_trade_no="T1")
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from paychaos.common.procs import Service, paychaos_argv, start_service
from paychaos.gateway.testing import _call, get_ledger, reset  # noqa: F401 - re-exported: same /_sim contract


@contextlib.contextmanager
def running_wechatpay(*, timeout: float = 30.0, **options) -> Iterator[Service]:
    """A `paychaos gateway-wechatpay` subprocess for the block; options become flags
    (notify_scale=0.001 -> --notify-scale 0.001)."""
    argv = ["gateway-wechatpay", "--port", "0"]
    for name, value in options.items():
        if value is not None:
            argv += ["--" + name.replace("_", "-"), str(value)]
    svc = start_service("gateway-wechatpay", paychaos_argv(*argv), timeout=timeout)
    try:
        yield svc
    finally:
        svc.stop()


def merchant_credentials(gw: Service) -> dict:
    """The keyword arguments of wechatpayv3.WeChatPay for this gateway's run (but wechatpay_type and
    notify_url): mchid, appid, cert_serial_no, private_key, apiv3_key, cert_dir."""
    info = gw.info["wechatpay"]
    return {"mchid": info["mchid"], "appid": info["appid"], "cert_serial_no": info["merchant_serial_no"],
            "private_key": Path(info["private_key_file"]).read_text(),
            "apiv3_key": Path(info["apiv3_key_file"]).read_text(), "cert_dir": info["cert_dir"]}


def customer_pays(url: str, *, token: str | None = None, **which) -> dict:
    """The customer confirms in WeChat: which = out_trade_no= | prepay_id= | code_url= (and result=
    SUCCESS | NOTENOUGH | ACCOUNT_FROZEN | CANCEL to override the amount's band)."""
    return _call(url.rstrip("/") + "/_sim/wechatpay/pay", "POST", which, token=token)


def rotate_certificate(url: str, *, token: str | None = None) -> str:
    """A new platform certificate signs from now on; its serial number."""
    return _call(url.rstrip("/") + "/_sim/wechatpay/rotate", "POST", {}, token=token)["serial_no"]


def set_notify_endpoint(url: str, endpoint: str | None, *, token: str | None = None) -> dict:
    """Send every notification to `endpoint` (None: to each order's notify_url)."""
    return _call(url.rstrip("/") + "/_sim/webhooks", "POST", {"url": endpoint}, token=token)


def notify_log(url: str, *, token: str | None = None) -> dict:
    return _call(url.rstrip("/") + "/_sim/webhooks", token=token)
