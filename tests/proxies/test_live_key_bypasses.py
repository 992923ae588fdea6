"""A live key is refused on every path, before anything else runs: each bypass found so far, sent on a
raw socket through a real proxy, gets a 403 and the upstream sees no request at all."""

from __future__ import annotations

import base64
import gzip
import json
import socket

import pytest

from paychaos.proxies.testing import set_rules
from tests.proxies.conftest import journal_of

LIVE = "sk_live_51Habcdefghijklmnop"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def pct(text: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in "_live" else c for c in text)


FORM = "application/x-www-form-urlencoded"
CASES = {
    "second-authorization-header": ("POST", "/v1/payment_intents",
                                    [("Authorization", "Bearer sk_test_ok"), ("Authorization", f"Bearer {LIVE}")],
                                    FORM, b"amount=100"),
    "basic-user": ("GET", "/v1/balance", [("Authorization", "Basic " + b64(LIVE + ":"))], None, b""),
    "basic-tab": ("GET", "/v1/balance", [("Authorization", "Basic\t" + b64(LIVE + ":"))], None, b""),
    "basic-lower-case-unpadded": ("GET", "/v1/balance",
                                  [("Authorization", "basic  " + b64(LIVE + ":x").rstrip("="))], None, b""),
    "basic-password": ("GET", "/v1/balance", [("Authorization", "Basic " + b64("user:" + LIVE))], None, b""),
    "bearer-lower-case": ("GET", "/v1/balance", [("Authorization", f"bearer {LIVE}")], None, b""),
    "restricted-key": ("GET", "/v1/balance", [("Authorization", "Bearer rk_live_abcdefgh")], None, b""),
    "other-header": ("GET", "/v1/balance", [("X-Api-Key", LIVE)], None, b""),
    "other-header-percent-encoded": ("GET", "/v1/balance",
                                     [("Authorization", "Bearer sk_test_ok"), ("X-Api-Key", pct(LIVE))], None, b""),
    "other-header-json-escaped": ("GET", "/v1/balance", [("X-Api-Key", "sk\\u005flive\\u005f51Habc")], None, b""),
    "proxy-authorization-basic-upper-case": ("GET", "/v1/balance",
                                             [("Authorization", "Bearer sk_test_ok"), ("User-Agent", "curl/8"),
                                              ("Proxy-Authorization", "BASIC " + b64(LIVE + ":"))], None, b""),
    "query": ("GET", f"/v1/balance?api_key={LIVE}", [], None, b""),
    "query-percent-encoded": ("GET", f"/v1/balance?api_key={pct(LIVE)}", [], None, b""),
    "query-encoded-twice": ("GET", "/v1/balance?k=" + pct(LIVE).replace("%", "%25"), [], None, b""),
    "form-body": ("POST", "/v1/payment_intents", [], FORM, f"amount=100&key={LIVE}".encode()),
    "form-body-percent-encoded": ("POST", "/v1/payment_intents", [], FORM, f"amount=100&key={pct(LIVE)}".encode()),
    "json-body": ("POST", "/v1/payment_intents", [], "application/json", json.dumps({"key": LIVE}).encode()),
    "json-body-escaped": ("POST", "/v1/payment_intents", [], "application/json",
                          b'{"key": "sk\\u005flive\\u005f51Habc"}'),
    "json-body-unparseable": ("POST", "/v1/payment_intents", [("Authorization", f"Bearer {LIVE}")],
                              "application/json", b'{"amount": 1e999}'),
    "after-64-KiB": ("POST", "/v1/payment_intents", [], FORM, b"description=" + b"x" * 70000 + f"&k={LIVE}".encode()),
    "gzip-body": ("POST", "/v1/payment_intents", [("Content-Encoding", "gzip")], FORM,
                  gzip.compress(f"amount=100&key={LIVE}".encode())),
}


def raw_request(url: str, method: str, target: str, headers: list, content_type: str | None, body: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("case", list(CASES))
def test_a_live_key_is_refused_whatever_the_path(proxy, control, upstream, case):
    set_rules(control, [], scenario=f"live-{case}")
    answer = raw_request(proxy.url, *CASES[case])
    assert answer.startswith(b"HTTP/1.1 403"), answer[:300]
    assert b"live_key_refused" in answer
    assert upstream.received == []  # not one request reached the upstream
    [rec] = journal_of(proxy, f"live-{case}")
    assert rec["error"] == "live_key" and rec["status"] == 403
    assert LIVE not in json.dumps(rec)


def test_test_keys_still_pass(proxy, control, upstream):
    set_rules(control, [], scenario="live-none")
    answer = raw_request(proxy.url, "POST", "/v1/payment_intents?expand[]=latest_charge",
                         [("Authorization", "Basic " + b64("sk_test_ok:")), ("Authorization", "Bearer sk_test_2")],
                         FORM, b"amount=100&metadata%5Border_id%5D=ord_1&description=deliver%20live")
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert len(upstream.received) == 1
