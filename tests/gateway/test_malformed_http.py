"""A request aiohttp cannot read is answered 400 and logged as one line, never a traceback
(issue 16: each printed a full traceback, 5 MB per 12,000 requests)."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from paychaos.gateway.httplog import MAX_LINE, OneLineFormatter
from paychaos.gateway.testing import running_gateway

MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",  # TLS spoken to the plain-HTTP port
    b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"GET /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad Header Name: 1\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: 4242424242424242\x00\r\n\r\n",
]


def _send(url: str, raw: bytes) -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(raw)  # no half-close: aiohttp answers, then closes the connection itself
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_each_malformed_request_is_a_400_and_one_log_line():
    with running_gateway() as gw:
        for raw in MALFORMED:
            status_line = _send(gw.url, raw).split(b"\r\n")[0]
            assert status_line.startswith(b"HTTP/1.") and b" 400 " in status_line, (raw[:40], status_line)
        assert httpx.get(gw.url + "/_sim/health").json() == {"ok": True}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and gw.tail().count("paychaos gateway:") < len(MALFORMED):
            time.sleep(0.05)
        lines = [line for line in gw.tail().splitlines() if not line.startswith("PAYCHAOS_READY")]
    assert len(lines) == len(MALFORMED), lines
    assert all(line.startswith("paychaos gateway: ") and len(line) <= MAX_LINE for line in lines), lines
    assert not any("Traceback" in line or line.startswith("  File ") for line in lines)
    assert not any("4242424242424242" in line for line in lines)


def test_formatter_makes_one_masked_line():
    try:
        raise ValueError("Invalid thing:\n\n  b'4242424242424242'\n     ^")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Error handling request from %s",
                                   ("127.0.0.1",), sys.exc_info())
    line = OneLineFormatter().format(record)
    assert "\n" not in line and "Traceback" not in line and "4242424242424242" not in line
    assert line.startswith("paychaos gateway: malformed HTTP request from 127.0.0.1: ValueError: Invalid thing:")


@pytest.mark.parametrize("path", ["/v1/payment_intents", "/pay/cs_test_x", "/_3ds/pi_x"])
def test_a_client_leaving_mid_body_logs_no_traceback(gateway, gateway_service, path):
    port = int(gateway.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk_test_x\r\n"
                  f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nabc".encode())
        s.shutdown(socket.SHUT_WR)
        s.recv(100)
    # the gateway is still serving, and said nothing about it
    assert httpx.get(gateway.url + "/_sim/health").json() == {"ok": True}
    assert "Traceback" not in gateway_service.tail()
