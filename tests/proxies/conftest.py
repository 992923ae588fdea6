"""Fixtures: a small recording upstream (a real aiohttp server in a thread) and a real proxy process."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from aiohttp import web

from paychaos.proxies.journal import read_journal
from paychaos.proxies.testing import clear_rules, running_proxy


class RecordingUpstream:
    """Answers every path with a succeeded PaymentIntent (or 200 for webhook deliveries) and records
    what it received, in order."""

    def __init__(self):
        self.received: list[dict] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append({"method": request.method, "path": request.path, "body": body,
                              "headers": dict(request.headers), "t": time.time()})
        if request.path.startswith("/webhooks"):
            return web.json_response({"received": True})
        if request.query.get("answer") == "deep":  # valid JSON nested past any parser's depth
            return web.Response(text=DEEP_ANSWER, content_type="application/json")
        if "echo_id" in request.query:  # an answer carrying what the client sent (masking tests)
            return web.json_response({"object": "payment_intent", "id": request.query["echo_id"],
                                      "status": "succeeded", "error": None})
        return web.json_response({"object": "payment_intent", "id": f"pi_{len(self.received)}",
                                  "status": "succeeded", "amount": 1299, "currency": "usd",
                                  "padding": "x" * 200})

    def start(self):
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.received]


# Python 3.13's json reads 1,100 levels (3.11 stopped near 1,000); 100,000 is past every version's.
DEEP_ANSWER = "[" * 100_000 + "]" * 100_000


@pytest.fixture(scope="module")
def upstream():
    up = RecordingUpstream().start()
    yield up
    up.stop()


@pytest.fixture(scope="module")
def proxy(upstream, tmp_path_factory):
    journal = tmp_path_factory.mktemp("journal") / "journal.jsonl"
    with running_proxy({"primary": upstream.url, "webhooks": upstream.url}, journal=journal) as svc:
        yield svc


@pytest.fixture
def control(proxy, upstream):
    upstream.received.clear()
    yield proxy.info["control"]
    clear_rules(proxy.info["control"])


def journal_of(proxy, scenario: str, n: int = 1, timeout: float = 5.0) -> list[dict]:
    """The scenario's journal records once at least n are there (records land as exchanges end)."""
    deadline = time.monotonic() + timeout
    while True:
        records = list(read_journal(proxy.info["journal"], scenario=scenario))
        if len(records) >= n or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def as_json(resp) -> dict:
    return json.loads(resp.content)
