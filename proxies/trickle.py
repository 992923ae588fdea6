"""A small loopback server inside the proxy's event loop that relays an upstream's answer slowly.

mitmproxy cannot pace a body it sends, so `slow_body` points the flow here: this server fetches the
real upstream, sends the status and headers at once, then the body at `bytes_per_s`, and mitmproxy
streams it on to the client.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from aiohttp import ClientSession, ClientTimeout, web

HEADER = "X-Paychaos-Trickle"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", HEADER.lower()}
TICK_S = 0.05


@dataclass
class Job:
    upstream_base: str
    bytes_per_s: float
    on_status: object  # callable(int)


class TrickleServer:
    def __init__(self):
        self.jobs: dict[str, Job] = {}
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._relay)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._session = ClientSession(timeout=ClientTimeout(total=None), auto_decompress=False)

    async def stop(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    def add(self, job: Job) -> str:
        token = secrets.token_hex(8)
        self.jobs[token] = job
        return token

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        job = self.jobs.pop(request.headers.get(HEADER, ""), None)
        if job is None or self._session is None:
            return web.Response(status=502, text="paychaos trickle: unknown job")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with self._session.request(request.method, job.upstream_base + request.path_qs,
                                         headers=headers, data=await request.read()) as up:
            job.on_status(up.status)
            body = await up.read()
            resp = web.StreamResponse(status=up.status, headers={
                k: v for k, v in up.headers.items() if k.lower() not in HOP_BY_HOP})
            resp.content_length = len(body)
            await resp.prepare(request)
            step = max(1, int(job.bytes_per_s * TICK_S))
            for i in range(0, len(body), step):
                await resp.write(body[i:i + step])
                await asyncio.sleep(len(body[i:i + step]) / job.bytes_per_s)
            await resp.write_eof()
            return resp
