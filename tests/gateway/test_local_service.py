"""/_sim is locked against browsers: Host must be this gateway on loopback (no DNS rebinding), an
Origin must be loopback, and a POST must be application/json (no "simple" cross-site POST). The
/v1 API keeps answering whatever Host the proxy forwards with. (The token: test_sim_token.py; the
calls here carry it, so each test sees the refusal it is about.)"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
import requests
import stripe

from paychaos.gateway.testing import complete_payment, get_ledger, reset, set_processing_delay, webhook_log

AUTH = {"Authorization": "Bearer sk_test_local"}


def tok(gateway) -> dict:
    return {"X-Paychaos-Token": gateway.info["token"]}


def _raw(url: str, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
    """One request with exactly these headers (http.client adds no Host of its own here)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _port(url: str) -> int:
    return urlsplit(url).port


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "127.0.0.1",
                                  "attacker.test@127.0.0.1:{port}", "127.0.0.1:{port}/x", "", "[::1]:1",
                                  "0.0.0.0:{port}"])
@pytest.mark.parametrize("method,path", [("POST", "/_sim/reset"), ("GET", "/_sim/ledger")])
def test_sim_refuses_a_foreign_host_header(gateway, host, method, path):
    pay = requests.post(gateway.url + "/v1/payment_intents", headers=AUTH,
                        data={"amount": 100, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"})
    status, body = _raw(gateway.url, method, path, {"Host": host.format(port=_port(gateway.url)),
                                                     "Content-Type": "application/json", **tok(gateway)}, b"{}")
    assert status == 403 and b"Host" in body
    assert len(get_ledger(gateway.url)["payment_intents"]) == 1 and pay.status_code == 200  # not reset


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "127.0.0.1:0{port}"])
def test_sim_accepts_its_own_loopback_names(gateway, host):
    status, _ = _raw(gateway.url, "GET", "/_sim/health", {"Host": host.format(port=_port(gateway.url))})
    assert status == 200


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonx", "text/json"])
def test_sim_post_must_be_json(gateway, ctype):
    requests.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 7}, headers=tok(gateway))
    headers = {"Host": urlsplit(gateway.url).netloc, **tok(gateway)}
    if ctype:
        headers["Content-Type"] = ctype
    for path, body in (("/_sim/reset", b""), ("/_sim/config", b'{"processing_delay_ms": 0}'),
                       ("/_sim/webhooks", b"url=http://127.0.0.1:9/h&secret=whsec_x")):
        status, answer = _raw(gateway.url, "POST", path, headers, body)
        assert status == 415 and b"application/json" in answer
    assert requests.get(gateway.url + "/_sim/config", headers=tok(gateway)).json() == {"processing_delay_ms": 7}
    assert webhook_log(gateway.url)["endpoints"] == []


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example",
                                    "file://", "http://[::1"])
def test_sim_refuses_foreign_origins_even_with_json(gateway, origin):
    requests.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 7}, headers=tok(gateway))
    answer = requests.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 0},
                           headers={"Origin": origin, **tok(gateway)})
    assert answer.status_code == 403 and "Origin" in answer.json()["error"]["message"]
    assert requests.get(gateway.url + "/_sim/ledger", headers={"Origin": origin, **tok(gateway)}).status_code == 403
    assert requests.get(gateway.url + "/_sim/config", headers=tok(gateway)).json() == {"processing_delay_ms": 7}


def test_sim_takes_loopback_origins(gateway):
    answer = requests.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 0},
                           headers={"Origin": "http://localhost:3000", **tok(gateway)})
    assert answer.status_code == 200


def test_paychaos_own_callers_still_work(gateway):
    """The helpers of paychaos.gateway.testing (which find the token by the URL) and
    `requests.post(url, json=..., headers=token)` as the runner, the load stack and the pytest plugin call /_sim."""
    client = stripe.StripeClient("sk_test_local", base_addresses={"api": gateway.url}, max_network_retries=0)
    pi = client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "confirm": True,
                                                  "payment_method_data": {"type": "alipay"},
                                                  "return_url": "http://127.0.0.1/r"})
    assert complete_payment(gateway.url, pi.id)["status"] == "succeeded"
    set_processing_delay(gateway.url, 0)
    assert requests.post(gateway.url + "/_sim/webhooks", json={"url": "http://127.0.0.1:9/h", "secret": "whsec_x"},
                         headers=tok(gateway), timeout=5).status_code == 200
    assert requests.post(gateway.url + "/_sim/reset", json={}, headers=tok(gateway), timeout=5).status_code == 200
    reset(gateway.url)
    assert requests.delete(gateway.url + "/_sim/webhooks", headers=tok(gateway), timeout=5).status_code == 200


@pytest.mark.parametrize("host", ["api.stripe.com", "127.0.0.1:9999", "evil.example"])
def test_v1_answers_whatever_host_the_proxy_forwards_with(gateway, host):
    status, body = _raw(gateway.url, "GET", "/v1/payment_intents", {"Host": host, **AUTH})
    assert status == 200 and b'"object":"list"' in body


def test_host_and_origin_checks_unit():
    from paychaos.gateway.resources.sim import loopback_origin, own_host

    assert own_host("127.0.0.1:8080", 8080) and own_host("[::1]:8080", 8080) and own_host("127.9.9.9:8080", 8080)
    assert not own_host("127.0.0.1:8081", 8080) and not own_host("127.0.0.1", 8080)
    assert not own_host("rebind.example:8080", 8080) and not own_host(None, 8080)
    assert not own_host("127.0.0.1:99999", 8080) and not own_host("x@127.0.0.1:8080", 8080)
    assert own_host("localhost:1234", None)
    assert loopback_origin("http://127.0.0.1:5000") and loopback_origin("http://[::1]:1")
    assert not loopback_origin("null") and not loopback_origin("https://localhost.evil.example")
