"""A small threaded JSON HTTP server the reference merchants share.

A merchant app is a list of `Route`s; each handler takes a `Request` and returns
`(status, json_body)`. One thread per connection (stdlib ThreadingHTTPServer), keep-alive,
a large listen backlog so tens of concurrent checkouts under Locust queue rather than fail.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from paychaos.common.masking import mask_text

log = logging.getLogger("paychaos.merchant")


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body.decode("utf-8") or "null")


Handler = Callable[[Request], tuple[int, dict]]


@dataclass
class Route:
    method: str
    pattern: str          # e.g. "/orders/{order_id}"
    handler: Handler
    regex: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        self.regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    routes: list[Route]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        allowed = []
        for route in self.server.routes:
            m = route.regex.match(path)
            if not m:
                continue
            if route.method != self.command:
                allowed.append(route.method)
                continue
            req = Request(self.command, path, m.groupdict(), {k.lower(): v for k, v in self.headers.items()}, body)
            try:
                status, payload = route.handler(req)
            except Exception:  # the customer never sees internals; the log keeps them (masked)
                log.exception("handler %s %s failed", self.command, path)
                status, payload = 500, {"error": "internal error"}
            return self._send(status, payload)
        if allowed:
            return self._send(405, {"error": f"method not allowed; use {', '.join(allowed)}"})
        return self._send(404, {"error": "not found"})

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        log.debug(mask_text(format % args))


def make_server(routes: list[Route], host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    server = _Server((host, port), _Handler)
    server.routes = routes
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True, name="merchant-http")
    thread.start()
    return thread


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def bad_request(message: str, **extra) -> tuple[int, dict]:
    return 400, {"status": "failed", "message": message, "alternatives": [], **extra}
