"""A browser's call (it sends Origin) gets the gateway's CORS header on answers the proxy made up or
rewrote, so stripe.js on the shop's page reads the fault's status and body instead of a CORS failure.
A server's call (no Origin) and the webhook leg are left as they were. Real proxy, real HTTP client;
tests/browser/test_forward_page.py checks the same in real Chromium."""

from __future__ import annotations

import requests

from paychaos.proxies.testing import set_rules
from tests.proxies.conftest import journal_of

PAGE = "http://127.0.0.1:5173"   # the shop's page, another origin than the proxy's


def confirm(proxy, origin: str | None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        headers["Origin"] = origin
    return requests.post(proxy.url + "/v1/payment_intents/pi_1/confirm", timeout=10, headers=headers,
                         data="key=pk_test_cors&client_secret=pi_1_secret_x")


def test_a_made_up_error_answer_to_a_browser_carries_the_cors_header(proxy, control):
    set_rules(control, [{"fault": "http_error", "params": {"status": 503}, "match": {"path": "/v1/payment_intents/*"}}],
              scenario="cors-503")
    resp = confirm(proxy, PAGE)
    assert resp.status_code == 503
    assert resp.headers.get("Access-Control-Allow-Origin") == "*"
    assert resp.json()["error"]["type"] == "api_error"
    assert journal_of(proxy, "cors-503")[0]["faults"][0]["fault"] == "http_error"


def test_a_rate_limit_and_a_rewritten_body_carry_it_too(proxy, control):
    set_rules(control, [{"fault": "rate_limit", "params": {"retry_after_s": 1}, "times": 1,
                         "match": {"path": "/v1/payment_intents/*"}},
                        {"fault": "malformed", "params": {"mode": "garbage", "status": 200},
                         "match": {"path": "/v1/payment_intents/*"}}], scenario="cors-more")
    limited = confirm(proxy, PAGE)
    assert limited.status_code == 429 and limited.headers.get("Retry-After") == "1"
    assert limited.headers.get("Access-Control-Allow-Origin") == "*"
    garbage = confirm(proxy, PAGE)   # the upstream answered; the fault rewrote the body
    assert garbage.status_code == 200 and garbage.headers.get("Access-Control-Allow-Origin") == "*"
    assert not garbage.text.lstrip().startswith("{")


def test_a_server_call_without_origin_gets_no_cors_header(proxy, control):
    set_rules(control, [{"fault": "http_error", "params": {"status": 502}, "match": {"path": "/v1/payment_intents/*"}}],
              scenario="cors-server")
    resp = confirm(proxy, None)
    assert resp.status_code == 502 and "Access-Control-Allow-Origin" not in resp.headers


def test_the_webhook_leg_is_left_alone(proxy, control):
    set_rules(control, [{"fault": "http_error", "params": {"status": 500}, "match": {"upstream": "webhooks"}}],
              scenario="cors-webhooks")
    resp = requests.post(proxy.info["listeners"]["webhooks"] + "/webhooks/stripe", timeout=10, json={"type": "x"},
                         headers={"Origin": PAGE})
    assert resp.status_code == 500 and "Access-Control-Allow-Origin" not in resp.headers
