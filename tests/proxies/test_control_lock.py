"""The control API answers local callers only: a non-loopback Host (DNS rebinding) or Origin is a 403,
a write without `Content-Type: application/json` a 415; paychaos's own callers still work. (The
token: test_control_token.py; the calls here carry it, so each test sees the refusal it is about.)"""

from __future__ import annotations

import json
import socket

import pytest
import requests

from paychaos.common.localtoken import token_for
from paychaos.proxies.testing import clear_rules, get_rules, set_rules


def tok(url: str) -> dict:
    return {"X-Paychaos-Token": token_for(url)}


def raw(url: str, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict]:
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    lines = [f"{method} {path} HTTP/1.1", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(content or b"null")


RULES = json.dumps({"rules": [{"fault": "http_error", "params": {"status": 503}}], "scenario": "evil"}).encode()


@pytest.mark.parametrize("host", ["evil.example:80", "attacker.test", "192.168.1.10:8080"])
def test_a_host_that_is_not_loopback_is_refused(proxy, control, host):
    status, body = raw(proxy.url, "GET", "/_paychaos/rules", {"Host": host, **tok(proxy.url)})
    assert status == 403 and "loopback Host" in body["error"]["message"]
    status, _ = raw(proxy.url, "PUT", "/_paychaos/rules", {"Host": host, "Content-Type": "application/json",
                                                           **tok(proxy.url)}, RULES)
    assert status == 403
    assert get_rules(control)["rules"] == []


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "https://127.0.0.1.evil.example"])
def test_a_cross_site_origin_is_refused(proxy, control, origin):
    port = proxy.url.rsplit(":", 1)[1]
    status, body = raw(proxy.url, "PUT", "/_paychaos/rules",
                       {"Host": f"127.0.0.1:{port}", "Origin": origin, "Content-Type": "application/json",
                        **tok(proxy.url)}, RULES)
    assert status == 403 and "origin" in body["error"]["message"]
    assert get_rules(control)["rules"] == []


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_write_that_is_not_json_is_refused(proxy, control, content_type):
    port = proxy.url.rsplit(":", 1)[1]
    headers = {"Host": f"127.0.0.1:{port}", **tok(proxy.url),
               **({"Content-Type": content_type} if content_type else {})}
    status, body = raw(proxy.url, "PUT", "/_paychaos/rules", headers, RULES)
    assert status == 415 and "application/json" in body["error"]["message"]
    status, _ = raw(proxy.url, "POST", "/_paychaos/rules", headers, RULES)  # a form's "simple" request
    assert status == 415
    assert get_rules(control)["rules"] == []


def test_paychaos_own_callers_still_work(proxy, control):
    port = proxy.url.rsplit(":", 1)[1]
    set_rules(control, [{"fault": "http_error", "params": {"status": 503}}], scenario="own")  # urllib, json
    assert len(get_rules(control)["rules"]) == 1
    clear_rules(control)
    resp = requests.put(control + "/rules", json={"rules": [{"fault": "latency", "params": {"delay_ms": 1}}]},
                        headers=tok(control), timeout=5)  # the runner: requests with json=
    assert resp.status_code == 200
    # no body, no Content-Type
    assert requests.delete(control + "/rules", headers=tok(control), timeout=5).status_code == 200
    assert get_rules(control)["rules"] == []
    status, _ = raw(proxy.url, "GET", "/_paychaos/health", {"Host": f"localhost:{port}", **tok(proxy.url),
                                                            "Origin": f"http://localhost:{port}"})
    assert status == 200
    status, _ = raw(proxy.url, "PUT", "/_paychaos/rules", {"Host": f"[::1]:{port}", **tok(proxy.url),
                                                           "Content-Type": "application/json; charset=utf-8"},
                    RULES)
    assert status == 200


def test_forwarded_requests_still_carry_the_upstreams_host(proxy, control, upstream):
    resp = requests.get(proxy.url + "/v1/balance", timeout=5)
    assert resp.status_code == 200
    assert upstream.received[-1]["headers"]["Host"] == upstream.url.removeprefix("http://")
