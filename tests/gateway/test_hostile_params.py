"""Hostile values in API parameters and /_sim bodies: a 400 naming the parameter, never a 500,
and the gateway's state unchanged (issue 16: `amount=²`, `1e400`, 320-digit integers, deep JSON)."""

from __future__ import annotations

import httpx
import pytest

from paychaos.gateway.testing import sim_headers

AUTH = {"Authorization": "Bearer sk_test_hostile"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
PAY = "amount=100&currency=usd&payment_method=pm_card_visa&confirm=true"


@pytest.fixture
def http(gateway):
    with httpx.Client(base_url=gateway.url, headers=AUTH, timeout=10) as c:
        yield c


def _param_error(answer: httpx.Response, param: str, code: str = "parameter_invalid_integer") -> dict:
    assert answer.status_code == 400, answer.text
    err = answer.json()["error"]
    assert (err["type"], err["param"], err["code"]) == ("invalid_request_error", param, code), err
    return err


@pytest.mark.parametrize("value", ["%C2%B2", "--5", "%D9%A3", "%EF%BC%95", "1_000", "+5", " 5", "5 ", "0x10",
                                   "1e3", "9" * 19, "-" , ""])
def test_integer_parameters_take_only_ascii_digits(http, value):
    answer = http.post("/v1/payment_intents", content=f"amount={value}&currency=usd", headers=FORM)
    err = _param_error(answer, "amount")
    assert "Invalid integer" in err["message"]


@pytest.mark.parametrize("path", ["/v1/payment_intents?limit=%C2%B2", "/v1/charges?limit=--1",
                                  "/v1/events?limit=%D9%A3"])
def test_integer_query_parameters_too(http, path):
    _param_error(http.get(path), "limit")


def test_unicode_digits_elsewhere_are_refused_not_500(http):
    card = ("type=card&card[number]=4242424242424242&card[exp_month]=%C2%B2&card[exp_year]=2040"
            "&card[cvc]=123")
    answer = http.post("/v1/payment_methods", content=card, headers=FORM)
    assert answer.status_code == 402 and answer.json()["error"]["code"] == "invalid_expiry_month"
    cvc = card.replace("%C2%B2", "12").replace("cvc]=123", "cvc]=%C2%B2%C2%B2%C2%B2")
    assert http.post("/v1/payment_methods", content=cvc, headers=FORM).json()["error"]["code"] == "invalid_cvc"
    search = http.get("/v1/payment_intents/search", params={"query": "amount:'²'", "page": "²"})
    assert search.status_code == 200 and search.json()["data"] == []
    index = http.post("/v1/payment_intents", content="amount=1&currency=usd&payment_method_types[%C2%B2]=card",
                      headers=FORM)
    assert index.status_code == 400 and index.json()["error"]["param"] == "payment_method_types"


def test_brackets_nested_past_the_cap_are_400_not_recursion(http):
    deep = "metadata" + "[a]" * 5000 + "=1"
    answer = http.post("/v1/customers", content=deep, headers=FORM)
    assert answer.status_code == 400 and "nested more than" in answer.json()["error"]["message"]
    assert len(answer.text) < 2000  # the 15,000-character name is not echoed whole


SIM_BODIES = [
    (b'{"processing_delay_ms": 1e400}', 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": ' + b"9" * 320 + b"}", 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": ' + b"9" * 5000 + b"}", 400, None),
    (b'{"processing_delay_ms": NaN}', 400, None),
    (b'{"processing_delay_ms": -Infinity}', 400, None),
    (b'{"processing_delay_ms": 1.5}', 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": true}', 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": "10"}', 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": -1}', 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": 600001}', 400, "processing_delay_ms"),
    (b'{"processing_delay_ms": 1, "surprise": 2}', 400, "surprise"),
    (b"[" * 30_000 + b"]" * 30_000, 400, None),
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, 413, None),
    (b'{"processing_delay_ms": 1', 400, None),
    (b"\xff\xfe{}", 400, None),
    (b"[1, 2]", 400, None),
]


@pytest.mark.parametrize("body,status,param", SIM_BODIES, ids=[f"body{i}" for i in range(len(SIM_BODIES))])
def test_sim_config_refuses_hostile_bodies_and_keeps_state(gateway, http, body, status, param):
    tok = sim_headers(gateway.url)   # JSON, and the gateway's /_sim token
    answer = httpx.post(gateway.url + "/_sim/config", content=body, headers=tok)
    assert answer.status_code == status, answer.text
    err = answer.json()["error"]
    assert err["type"] == "invalid_request_error" and err["message"] and err.get("param") == param
    assert httpx.get(gateway.url + "/_sim/config", headers=tok).json() == {"processing_delay_ms": 0}
    assert http.post("/v1/payment_intents", content=PAY, headers=FORM).json()["status"] == "succeeded"


def test_sim_config_takes_a_valid_delay(gateway):
    tok = sim_headers(gateway.url)   # JSON, and the gateway's /_sim token
    assert httpx.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 5}, headers=tok).json() == \
        {"processing_delay_ms": 5}
    assert httpx.post(gateway.url + "/_sim/config", json={"processing_delay_ms": 0}, headers=tok).status_code == 200


@pytest.mark.parametrize("payload,param", [
    ({"url": "http://127.0.0.1:9/h", "secret": 5}, "secret"),
    ({"url": "http://127.0.0.1:9/h", "enabled_events": "charge.succeeded"}, "enabled_events"),
    ({"url": "http://127.0.0.1:9/h", "enabled_events": [1]}, "enabled_events"),
    ({"url": "http://127.0.0.1:9/h", "extra": 1}, "extra"),
    ({"url": ["http://127.0.0.1:9/h"]}, "url"),
    ({"url": "http://127.0.0.1:99999/h"}, "url"),
])
def test_sim_webhooks_checks_types_and_adds_nothing(gateway, payload, param):
    tok = sim_headers(gateway.url)   # JSON, and the gateway's /_sim token
    answer = httpx.post(gateway.url + "/_sim/webhooks", json=payload, headers=tok)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param, answer.text
    assert httpx.get(gateway.url + "/_sim/webhooks", headers=tok).json()["endpoints"] == []


def test_sim_reset_and_complete_take_no_parameters(gateway):
    tok = sim_headers(gateway.url)   # JSON, and the gateway's /_sim token
    assert httpx.post(gateway.url + "/_sim/reset", json={"everything": True}, headers=tok).status_code == 400
    assert httpx.post(gateway.url + "/_sim/reset", json={}, headers=tok).status_code == 200
    assert httpx.post(gateway.url + "/_sim/reset", content=b"", headers=tok).status_code == 200
