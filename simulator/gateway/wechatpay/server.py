"""Run the fake WeChat Pay gateway: make the run's keys, write the merchant's files, bind (port 0 by
default), print the ready line, serve until interrupted.

Ready line: `PAYCHAOS_READY {"service": "gateway", "dialect": "wechatpay", "url", "token",
"wechatpay": {"mchid", "appid", "merchant_serial_no", "private_key_file", "cert_dir",
"apiv3_key_file", "platform_serial_no", "dir"}}`.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
from dataclasses import dataclass

from aiohttp import web

from paychaos.common.errors import InputError
from paychaos.common.procs import announce_ready, make_temp_dir, remove_temp_dir
from paychaos.gateway.httplog import request_error_log
from paychaos.gateway.wechatpay.app import WeChatPayGateway
from paychaos.gateway.wechatpay.keys import new_run_keys
from paychaos.gateway.wechatpay.notify import Notifier


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 0
    keys_dir: str | None = None          # where the merchant's files go (default: a temp dir, removed on exit)
    notify_url: str | None = None        # deliver every notification here instead of the order's notify_url
    notify_scale: float = 0.01           # WeChat's retry schedule x this (1: the real 15s/15s/30s/3m/...)
    notify_timeout_s: float = 5.0
    allow_webhook_hosts: tuple[str, ...] = ()
    sim_token: str | None = None


async def serve(opts: Options, stop: asyncio.Event | None = None) -> None:
    keys = new_run_keys()
    folder = opts.keys_dir or make_temp_dir("paychaos-wechatpay-")
    notifier = Notifier(keys, scale=opts.notify_scale, timeout_s=opts.notify_timeout_s,
                        allow_hosts=opts.allow_webhook_hosts)
    gw = WeChatPayGateway(keys=keys, notifier=notifier, sim_token=opts.sim_token)
    gw.key_info = {**keys.write(folder), "dir": str(folder)}
    if opts.notify_url:
        notifier.endpoint = opts.notify_url
    sock = socket.socket(socket.AF_INET6 if ":" in opts.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((opts.host, opts.port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot bind {opts.host}:{opts.port}: {exc.strerror}", field="--port",
                         valid="a free port, or 0 to let the OS pick one") from None
    gw.serving_at(opts.host, sock.getsockname()[1])
    server = web.Server(gw.handle, access_log=None, handler_cancellation=False, logger=request_error_log())
    runner = web.ServerRunner(server, handle_signals=False)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=1024).start()
    await notifier.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    announce_ready("gateway", dialect="wechatpay", url=gw.base_url, token=gw.sim_token, wechatpay=gw.key_info)
    try:
        await stop.wait()
    finally:
        await notifier.stop()
        await runner.cleanup()
        if not opts.keys_dir:
            remove_temp_dir(str(folder))


def run(opts: Options) -> int:
    asyncio.run(serve(opts))
    return 0
