"""Bad input gets a Stripe-style 400 naming the parameter, never a 500; fuzzed with hypothesis."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paychaos.gateway.testing import sim_headers

AUTH = {"Authorization": "Bearer sk_test_fuzz"}


@pytest.fixture
def http(gateway):
    with httpx.Client(base_url=gateway.url, headers=AUTH, timeout=10) as c:
        yield c


@pytest.mark.parametrize("body,param,fragment", [
    ("amount=abc&currency=usd", "amount", "Invalid integer"),
    ("amount=100&currency=usd&foo=1", "foo", "Received unknown parameter: foo"),
    ("amount=100&currency=usd&metadata=x", "metadata", "hash"),
    ("amount=100&currency=usd&metadata[a][b]=1", "metadata[a]", "strings"),
    ("amount=100&currency=usd&confirm=maybe", "confirm", "Invalid boolean"),
    ("amount=100&currency=dollars", "currency", "currency"),
    ("currency=usd", "amount", "Missing required param"),
    ("amount=100&currency=usd&capture_method=later", "capture_method", "one of"),
    ("amount=100&currency=usd&payment_method_types=card", "payment_method_types", "array"),
    ("amount=100&currency=usd&payment_method_data[card][number]=4242", "payment_method_data[type]", "Missing"),
    ("amount=100&currency=usd&payment_method_data[type]=card&payment_method_data[zip]=1",
     "payment_method_data[zip]", "unknown"),
    ("amount=1&amount[x]=2&currency=usd", "amount", "Invalid"),
    ("amount[=1", "amount[", "Invalid parameter name"),
    ("amount=100&currency=usd&payment_method=pm_nope", "payment_method", "No such PaymentMethod"),
    ("amount=-5&currency=usd", "amount", "at least 1"),
])
def test_bad_parameters_name_the_param(http, body, param, fragment):
    answer = http.post("/v1/payment_intents", content=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400, answer.text
    err = answer.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and fragment in err["message"]
    assert answer.headers["Request-Id"].startswith("req_")


def test_missing_or_live_key_is_401(gateway):
    assert httpx.get(gateway.url + "/v1/payment_intents").status_code == 401
    live = httpx.get(gateway.url + "/v1/payment_intents", headers={"Authorization": "Bearer sk_live_123"})
    assert live.status_code == 401 and "live" in live.json()["error"]["message"]
    basic = httpx.get(gateway.url + "/v1/payment_intents", auth=("sk_test_basic", ""))
    assert basic.status_code == 200


def test_json_body_and_non_utf8_and_unknown_url(http):
    as_json = http.post("/v1/payment_intents", json={"amount": 100, "currency": "usd"})
    assert as_json.status_code == 400 and "form-encoded" in as_json.json()["error"]["message"]
    binary = http.post("/v1/customers", content=b"name=\xff\xfe",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert binary.status_code == 400
    nowhere = http.get("/v1/teleports")
    assert nowhere.status_code == 404 and "Unrecognized request URL" in nowhere.json()["error"]["message"]
    wrong_method = http.delete("/v1/payment_intents")
    assert wrong_method.status_code == 404 and wrong_method.json()["error"]["type"] == "invalid_request_error"


def test_overlong_idempotency_key_is_400(http):
    answer = http.post("/v1/customers", data={}, headers={"Idempotency-Key": "k" * 256})
    assert answer.status_code == 400


NAMES = ["amount", "currency", "confirm", "payment_method", "metadata[order_id]", "metadata", "capture_method",
         "payment_method_types[0]", "payment_method_types[]", "payment_method_data[type]",
         "payment_method_data[card][number]", "payment_method_data[card][exp_year]", "card[number]",
         "card[exp_month]", "card[cvc]", "type", "customer", "charge", "payment_intent", "expand[]", "limit",
         "email", "return_url", "amount_to_capture", "reason", "off_session", "a[b][c][d]", "[", "]", "x[0][y]"]
VALUES = st.one_of(
    st.sampled_from(["100", "usd", "true", "card", "pm_card_visa", "pm_card_chargeDeclined", "4242424242424242",
                     "2030", "manual", "", "-1", "1e9", "99999999999999999999", "alipay", "tok_visa"]),
    st.text(max_size=12),
)
PAIR = st.tuples(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), VALUES)
ENDPOINTS = ["/v1/payment_intents", "/v1/payment_methods", "/v1/refunds", "/v1/customers",
             "/v1/payment_intents/{pi}/confirm", "/v1/payment_intents/{pi}/capture", "/v1/payment_intents/{pi}",
             "/v1/webhook_endpoints", "/v1/payment_methods/pm_card_visa/attach"]


def _check(answer: httpx.Response) -> None:
    assert answer.status_code in (200, 400, 402, 404), (answer.status_code, answer.text)
    body = answer.json()
    if answer.status_code != 200:
        assert body["error"]["type"] in ("invalid_request_error", "card_error", "idempotency_error")
        assert body["error"]["message"]


def test_fuzz_form_bodies(gateway):
    with httpx.Client(base_url=gateway.url, headers=AUTH, timeout=10) as http:
        pi = http.post("/v1/payment_intents", data={"amount": "100", "currency": "usd"}).json()["id"]

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        @given(endpoint=st.sampled_from(ENDPOINTS), pairs=st.lists(PAIR, max_size=8),
               method=st.sampled_from(["POST", "POST", "GET"]))
        def fuzz(endpoint, pairs, method):
            from urllib.parse import urlencode

            path = endpoint.format(pi=pi)
            encoded = urlencode(pairs)
            if method == "GET":
                _check(http.get(path.split("/confirm")[0].split("/capture")[0] + "?" + encoded))
            else:
                _check(http.post(path, content=encoded, headers={"Content-Type": "application/x-www-form-urlencoded"}))

        fuzz()


def test_fuzz_raw_bytes(gateway):
    with httpx.Client(base_url=gateway.url, headers=AUTH, timeout=10) as http:
        @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        @given(body=st.binary(max_size=200), path=st.sampled_from(ENDPOINTS[:4]))
        def fuzz(body, path):
            _check(http.post(path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}))

        fuzz()


def test_oversized_body_is_413_not_500(http):
    answer = http.post("/v1/customers", content=b"name=" + b"x" * 2_000_000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and answer.json()["error"]["type"] == "invalid_request_error"


def test_sim_rejects_bad_bodies_with_400(gateway):
    sim = sim_headers(gateway.url)   # JSON, and the gateway's token
    assert httpx.post(gateway.url + "/_sim/webhooks", content=b"[1]", headers=sim).status_code == 400
    assert httpx.post(gateway.url + "/_sim/webhooks", json={"url": "ftp://x"}, headers=sim).status_code == 400
    bad_delay = httpx.post(gateway.url + "/_sim/config", json={"processing_delay_ms": "soon"}, headers=sim)
    assert bad_delay.status_code == 400 and bad_delay.json()["error"]["param"] == "processing_delay_ms"
    assert httpx.get(gateway.url + "/_sim/nothing", headers=sim).status_code == 404


def test_error_messages_never_echo_a_whole_card_number(http):
    answer = http.post("/v1/webhook_endpoints", data={"url": "4242424242424242", "enabled_events[0]": "*"})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "url"
    assert "4242424242424242" not in answer.text and "424242******4242" in answer.text
