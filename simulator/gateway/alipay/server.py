"""Run the fake Alipay: make the run's keys, write them to a private folder, bind (port 0 by
default), announce the ready line with the key files, serve until interrupted."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
from dataclasses import dataclass

from aiohttp import web

from paychaos.common.errors import InputError
from paychaos.common.procs import announce_ready, make_temp_dir, remove_temp_dir
from paychaos.gateway.alipay.app import AlipayGateway
from paychaos.gateway.alipay.keys import KEY_BITS, RunKeys
from paychaos.gateway.alipay.notify import Notifier
from paychaos.gateway.httplog import request_error_log


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


async def serve(opts: Options, stop: asyncio.Event | None = None) -> None:
    keys = RunKeys.generate(opts.app_id, opts.key_bits)
    folder = make_temp_dir("paychaos-alipay-keys-")
    os.chmod(folder, 0o700)
    try:
        notifier = Notifier(time_scale=opts.notify_time_scale, timeout_s=opts.notify_timeout_s,
                            allow_hosts=opts.allow_webhook_hosts)
        gw = AlipayGateway(keys=keys, seed=opts.seed, notifier=notifier, sim_token=opts.sim_token)
        gw.key_files = keys.write(folder)
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
        announce_ready("gateway", dialect="alipay", url=gw.base_url, gateway_url=gw.base_url + "/gateway.do",
                       token=gw.sim_token, app_id=keys.app_id, **{f"{k}_file": v for k, v in gw.key_files.items()})
        try:
            await stop.wait()
        finally:
            await notifier.stop()
            await runner.cleanup()
    finally:
        remove_temp_dir(folder)


def run(opts: Options) -> int:
    asyncio.run(serve(opts))
    return 0
