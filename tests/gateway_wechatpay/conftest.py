"""One real `paychaos gateway-wechatpay` process per test session (per xdist worker), reset before each
test; the official wechatpayv3 SDK pointed at it (only its gateway URL changed), and a notification
receiver that checks each notification with the SDK's own callback()."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

wechatpayv3 = pytest.importorskip("wechatpayv3")
from wechatpayv3 import WeChatPay, WeChatPayType  # noqa: E402

from paychaos.gateway.wechatpay.testing import (  # noqa: E402
    merchant_credentials,
    reset,
    running_wechatpay,
    set_notify_endpoint,
)


def make_client(gw, pay_type=WeChatPayType.NATIVE, notify_url="http://127.0.0.1:9/notify", **override):
    creds = {**merchant_credentials(gw), **override}
    wx = WeChatPay(wechatpay_type=pay_type, notify_url=notify_url, **creds)
    wx._core._gate_way = gw.url   # the one change a shop makes: the gateway's address
    return wx


class Receiver:
    """A merchant's notify endpoint: answers each delivery as `answers` says (popped in turn, then
    SUCCESS), and keeps (headers, body, what the SDK's callback() made of it)."""

    def __init__(self, wx):
        self.wx = wx
        self.answers: list[tuple[int, str]] = []
        self.got: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                headers = {k: v for k, v in self.headers.items()}
                try:
                    checked = receiver.wx.callback(headers, body)
                except Exception as exc:  # noqa: BLE001 - the SDK raises on an unsigned one
                    checked = f"refused: {exc}"
                with receiver.lock:
                    receiver.got.append({"headers": headers, "body": json.loads(body), "checked": checked})
                    status, text = receiver.answers.pop(0) if receiver.answers else (200, '{"code": "SUCCESS"}')
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify/wechat"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.got) >= count:
                    return list(self.got)
            time.sleep(0.05)
        return list(self.got)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def wechat_service():
    with running_wechatpay(notify_scale=0.002) as svc:
        yield svc


@pytest.fixture
def wechat(wechat_service):
    reset(wechat_service.url)
    set_notify_endpoint(wechat_service.url, None)
    return wechat_service


@pytest.fixture
def wx(wechat):
    return make_client(wechat)


@pytest.fixture
def receiver(wechat, wx):
    rec = Receiver(wx)
    yield rec
    rec.close()
