"""Real headless Chromium (Debian's) for the browser tests; skipped where none is installed."""

from __future__ import annotations

import http.server
import threading

import pytest

from paychaos.driver import cdp


@pytest.fixture(scope="session")
def chromium():
    if cdp.find_chromium() is None:
        pytest.skip("no Chromium on this machine (ci/setup.sh installs Debian's chromium as root)")
    browser = cdp.Chromium().start()
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def tab(chromium):
    t = chromium.new_tab()
    try:
        yield t
    finally:
        t.close()


class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        body = self.pages.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write((body or "no such page").encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def page_server():
    """A loopback server of plain HTML pages: set `server.pages[path] = html`; `.url`."""
    handler = type("Pages", (_Pages,), {"pages": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.pages = handler.pages
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
