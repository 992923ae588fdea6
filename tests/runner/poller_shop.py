"""Quill Stationers: a stdlib shop of our own that charges with the Charges API (form parameters, one
gateway, English only) and keeps a background job of its own polling the gateway's balance all the time,
as shops with a reconciler or a dashboard feed do. Its calls go on between scenarios and after the last
checkout, which is what tests/runner/test_background_calls.py needs.

    python tests/runner/poller_shop.py PORT      (STRIPE_API_BASE names the gateway)
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

API = os.environ.get("STRIPE_API_BASE", "").rstrip("/")
KEY = "sk_test_quill"
POLL_S = 0.02
ORDERS: dict[str, str] = {}


def call(method: str, path: str, form: dict | None = None) -> tuple[int, dict]:
    data = urlencode(form).encode() if form is not None else None
    req = Request(API + path, data=data, method=method, headers={"Authorization": f"Bearer {KEY}"})
    try:
        with urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def poll_forever() -> None:
    while True:
        try:
            call("GET", "/v1/balance")
        except (URLError, OSError, ValueError):
            pass
        time.sleep(POLL_S)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path == "/up":
            return self._answer(200, {"up": True})
        if self.path.startswith("/sale/"):
            state = ORDERS.get(self.path.rsplit("/", 1)[-1])
            return self._answer(200 if state else 404, {"state": state or "unknown"})
        return self._answer(404, {})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if self.path != "/sale":
            return self._answer(404, {})
        ref = body["ref"]
        status, charge = call("POST", "/v1/charges", {"amount": body["cents"], "currency": "usd",
                                                     "source": body["token"]})
        if status == 200 and charge.get("paid"):
            ORDERS[ref] = "settled"
            return self._answer(200, {"state": "settled", "note": "Thank you, your payment went through."})
        ORDERS[ref] = "refused"
        return self._answer(402, {"state": "refused",
                                  "note": "Your card was not accepted. Please try another card."})


def main() -> None:
    threading.Thread(target=poll_forever, daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
