"""Run the fake Alipay: make the run's keys (or read an earlier start's from `keys_dir`), write them to a
folder (a private temporary one, removed on exit, or `keys_dir`, kept), then the start-up every gateway shares (paychaos.gateway.serving): the ready
line names the key files."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from paychaos.common.procs import make_temp_dir, remove_temp_dir
from paychaos.gateway.alipay.app import AlipayGateway
from paychaos.gateway.alipay.keys import KEY_BITS, RunKeys
from paychaos.gateway.alipay.notify import Notifier
from paychaos.gateway.serving import serve as serve_gateway


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 0
    seed: int | None = None
    sim_token: str | None = None
    notify_time_scale: float = 0.001
    notify_timeout_s: float = 5.0
    allow_webhook_hosts: tuple[str, ...] = ()
    key_bits: int = KEY_BITS
    app_id: str = "2021000000000001"
    keys_dir: str | None = None          # where the merchant's files go, kept and reused (default: a temp dir, removed)
    notify_url: str | None = None        # every notification here (no path: each trade's notify_url path on it)


async def serve(opts: Options, stop: asyncio.Event | None = None) -> None:
    reused = RunKeys.read(opts.keys_dir, opts.app_id) if opts.keys_dir else None   # an earlier start's
    keys = reused or RunKeys.generate(opts.app_id, opts.key_bits)
    folder = opts.keys_dir or make_temp_dir("paychaos-alipay-keys-")
    os.makedirs(folder, exist_ok=True)
    if not opts.keys_dir:
        os.chmod(folder, 0o700)
    try:
        notifier = Notifier(time_scale=opts.notify_time_scale, timeout_s=opts.notify_timeout_s,
                            allow_hosts=opts.allow_webhook_hosts)
        notifier.url = opts.notify_url
        gw = AlipayGateway(keys=keys, seed=opts.seed, notifier=notifier, sim_token=opts.sim_token)
        gw.key_files = keys.write(folder)
        await serve_gateway(gw, host=opts.host, port=opts.port, sender=notifier, stop=stop, ready=lambda: {
            "dialect": "alipay", "url": gw.base_url, "gateway_url": gw.base_url + "/gateway.do",
            "token": gw.sim_token, "app_id": keys.app_id, **{f"{k}_file": v for k, v in gw.key_files.items()},
            "keys_reused": reused is not None})
    finally:
        if not opts.keys_dir:
            remove_temp_dir(folder)


def run(opts: Options) -> int:
    asyncio.run(serve(opts))
    return 0
