"""One start-up for every fake gateway (Stripe, Alipay, WeChat Pay): bind (port 0 by default), serve the
gateway's handler, start its webhook sender, print the ready line, serve until SIGINT/SIGTERM or `stop`.

    await serve(gw, host=opts.host, port=opts.port, sender=notifier,
                ready=lambda: {"dialect": "alipay", "url": gw.base_url, ...})

`gw` is any gateway object with `serving_at(host, port)` (it learns its own address: `OwnAddress`) and an aiohttp
low-level `handle(request)`; `sender` anything with `async start()` / `async stop()` (the Stripe
WebhookDispatcher, the Alipay and WeChat Pay Notifiers). `ready()` is called once the address is known.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from paychaos.common.errors import InputError
from paychaos.common.procs import announce_ready
from paychaos.gateway.httplog import request_error_log

BACKLOG = 1024


class Served(Protocol):
    def serving_at(self, host: str, port: int) -> None: ...

    async def handle(self, request): ...


class OwnAddress:
    """What a gateway knows of where it listens, once `serve()` has told it (`serving_at`): its base URL,
    its port, and the Host headers /_sim accepts at once (any other loopback spelling of host:port is
    parsed; see resources/sim.py). Every gateway class takes it as a base."""

    base_url: str = ""
    port: int | None = None
    own_hosts: frozenset[str] = frozenset()

    def serving_at(self, host: str, port: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{port}"
        self.port = port
        self.own_hosts = frozenset(f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]", shown))


class Sender(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: any free port); a port in use is bad input (exit 2)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot bind {host}:{port}: {exc.strerror}", field="--port",
                         valid="a free port, or 0 to let the OS pick one") from None
    return sock


async def serve(gw: Served, *, host: str, port: int, sender: Sender, ready: Callable[[], dict],
                stop: asyncio.Event | None = None) -> None:
    sock = bind(host, port)
    gw.serving_at(host, sock.getsockname()[1])
    server = web.Server(gw.handle, access_log=None, handler_cancellation=False, logger=request_error_log())
    runner = web.ServerRunner(server, handle_signals=False)
    await runner.setup()
    try:
        await web.SockSite(runner, sock, backlog=BACKLOG).start()
        await sender.start()
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass   # not the main thread (a test's gateway in a thread): `stop` ends it
        # the store holds millions of small dicts that never form cycles: keep the cyclic GC from
        # walking them over and over (this is what made throughput fall as state grew)
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        announce_ready("gateway", **ready())
        try:
            await stop.wait()
        finally:
            await sender.stop()
    finally:
        await runner.cleanup()
