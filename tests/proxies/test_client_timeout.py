"""A request whose Content-Length is larger than its body does not hold a proxy connection forever:
paychaos_client_timeout_s after its headers, the proxy closes it and journals `client_timeout`."""

from __future__ import annotations

import json
import socket
import sys

from paychaos.common.procs import start_service
from paychaos.proxies.journal import read_journal

SCRIPT = """
import sys
from paychaos.proxies.server import ProxyConfig, run
run(ProxyConfig(upstreams={"primary": sys.argv[1]}, journal=sys.argv[2],
                extra_options={"paychaos_client_timeout_s": 1.0}))
"""


def test_a_body_shorter_than_its_content_length_is_cut_off_and_journaled(upstream, tmp_path):
    journal = tmp_path / "j.jsonl"
    svc = start_service("proxy", [sys.executable, "-c", SCRIPT, upstream.url, str(journal)], timeout=30)
    try:
        host, port = svc.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=20) as s:
            s.sendall(b"POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                      b"urlencoded\r\nContent-Length: 100\r\n\r\namount=100")
            try:
                answer = s.recv(65536)  # the socket's own 20 s timeout fails the test if the proxy holds on
            except ConnectionResetError:
                answer = b""
        assert answer == b""
        assert upstream.received == []
        [rec] = list(read_journal(str(journal)))
        assert rec["error"] == "client_timeout" and rec["status"] is None
        assert (rec["method"], rec["path"]) == ("POST", "/v1/payment_intents")
        # a complete request on a fresh connection is not affected
        with socket.create_connection((host, int(port)), timeout=20) as s:
            s.sendall(b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        svc.stop()
    json.dumps(rec)
