"""Run the gateway: bind (port 0 by default), announce the ready line, serve until interrupted."""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
from dataclasses import dataclass

from aiohttp import web

from paychaos.common.catalogue import SeedPrice
from paychaos.common.errors import InputError
from paychaos.common.procs import announce_ready
from paychaos.gateway.app import Gateway
from paychaos.gateway.httplog import request_error_log
from paychaos.gateway.resources.events import new_endpoint
from paychaos.gateway.webhooks import WebhookDispatcher

DEFAULT_WEBHOOK_SECRET = "whsec_paychaos_test"


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 0
    webhook_url: str | None = None
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    seed: int | None = None
    processing_delay_ms: int = 0
    webhook_max_attempts: int = 5
    webhook_retry_base_ms: int = 200
    webhook_timeout_s: float = 5.0
    allow_webhook_hosts: tuple[str, ...] = ()
    sim_token: str | None = None     # None: a fresh random one (printed in the ready line)
    catalogue: tuple[SeedPrice, ...] = ()   # Products and Prices held from the start and after every reset


async def serve(opts: Options, stop: asyncio.Event | None = None) -> None:
    hooks = WebhookDispatcher(max_attempts=opts.webhook_max_attempts, retry_base_ms=opts.webhook_retry_base_ms,
                              timeout_s=opts.webhook_timeout_s, allow_hosts=opts.allow_webhook_hosts)
    gw = Gateway(seed=opts.seed, processing_delay_ms=opts.processing_delay_ms, webhooks=hooks,
                 sim_token=opts.sim_token, catalogue=opts.catalogue)
    if opts.webhook_url:
        refusal = hooks.url_refusal(opts.webhook_url)
        if refusal is not None:
            raise InputError(f"'{opts.webhook_url}': {refusal}", field="--webhook-url",
                             valid="http://127.0.0.1:PORT/PATH, or a host given with --allow-webhook-host")
        new_endpoint(gw, opts.webhook_url, ["*"], opts.webhook_secret)
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
    site = web.SockSite(runner, sock, backlog=1024)
    await site.start()
    await hooks.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    # the store holds millions of small dicts that never form cycles: keep the cyclic GC from
    # walking them over and over (this is what made throughput fall as state grew)
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    announce_ready("gateway", url=gw.base_url, token=gw.sim_token)
    try:
        await stop.wait()
    finally:
        await hooks.stop()
        await runner.cleanup()


def run(opts: Options) -> int:
    asyncio.run(serve(opts))
    return 0
