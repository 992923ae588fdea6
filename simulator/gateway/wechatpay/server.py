"""Run the fake WeChat Pay gateway: make the run's keys, write the merchant's files, bind (port 0 by
default), print the ready line, serve until interrupted.

Ready line: `PAYCHAOS_READY {"service": "gateway", "dialect": "wechatpay", "url", "token",
"wechatpay": {"mchid", "appid", "merchant_serial_no", "private_key_file", "cert_dir",
"apiv3_key_file", "platform_serial_no", "dir", "keys_reused"}}` (`keys_reused`: the keys of an earlier start found
in `keys_dir`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from paychaos.common.procs import make_temp_dir, remove_temp_dir
from paychaos.gateway.serving import serve as serve_gateway
from paychaos.gateway.wechatpay.app import WeChatPayGateway
from paychaos.gateway.wechatpay.keys import new_run_keys, read_run_keys
from paychaos.gateway.wechatpay.notify import Notifier


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 0
    keys_dir: str | None = None          # where the merchant's files go, kept and reused (default: a temp dir, removed)
    notify_url: str | None = None        # deliver every notification here instead of the order's notify_url
    notify_scale: float = 0.01           # WeChat's retry schedule x this (1: the real 15s/15s/30s/3m/...)
    notify_timeout_s: float = 5.0
    allow_webhook_hosts: tuple[str, ...] = ()
    sim_token: str | None = None


async def serve(opts: Options, stop: asyncio.Event | None = None) -> None:
    reused = read_run_keys(opts.keys_dir) if opts.keys_dir else None   # an earlier start's: the shop's config holds
    keys = reused or new_run_keys()
    folder = opts.keys_dir or make_temp_dir("paychaos-wechatpay-")
    notifier = Notifier(keys, scale=opts.notify_scale, timeout_s=opts.notify_timeout_s,
                        allow_hosts=opts.allow_webhook_hosts)
    gw = WeChatPayGateway(keys=keys, notifier=notifier, sim_token=opts.sim_token)
    gw.key_info = {**keys.write(folder), "dir": str(folder), "keys_reused": reused is not None}
    if opts.notify_url:
        notifier.endpoint = opts.notify_url
    try:
        await serve_gateway(gw, host=opts.host, port=opts.port, sender=notifier, stop=stop, ready=lambda: {
            "dialect": "wechatpay", "url": gw.base_url, "token": gw.sim_token, "wechatpay": gw.key_info})
    finally:
        if not opts.keys_dir:
            remove_temp_dir(str(folder))


def run(opts: Options) -> int:
    asyncio.run(serve(opts))
    return 0
