"""Every exchange is journaled, or the run knows: a hook that raises fails closed (the request is refused
and journaled with `error: "inspection_failed"`), a journal write that fails is counted on
GET /_paychaos/health and said once on stderr. A real proxy process, a real client."""

from __future__ import annotations

import json
import time

import pytest
import requests

from paychaos.proxies.testing import control_headers, set_rules
from tests.proxies.conftest import DEEP_ANSWER, as_json, journal_of

DEEP_JSON = "[" * 1000 + "]" * 1000


def health(proxy) -> dict:
    resp = requests.get(proxy.info["control"] + "/health", headers=control_headers(proxy.url), timeout=5)
    assert resp.status_code == 200
    return resp.json()


def post_json(proxy, body: str, path: str = "/v1/payment_intents"):
    return requests.post(proxy.url + path, data=body.encode(), timeout=5,
                         headers={"Content-Type": "application/json", "Authorization": "Bearer sk_test_x",
                                  "Idempotency-Key": "fail-closed-1"})


@pytest.mark.parametrize("body,failed", [
    ('{"amount": 1e999, "currency": "usd"}', "OverflowError"),
    ('{"amount": 100, "metadata": {"deep": ' + DEEP_JSON + '}}', "RecursionError"),
], ids=["float-overflow", "deep-json"])
def test_a_request_whose_inspection_fails_is_refused_and_journaled(proxy, control, upstream, body, failed):
    scenario = f"fail-closed-{failed}"
    set_rules(control, [], scenario=scenario)
    before = health(proxy)["hook_failures"]
    resp = post_json(proxy, body)
    assert resp.status_code == 502
    assert as_json(resp)["error"]["type"] == "api_error" and as_json(resp)["error"]["code"] == "inspection_failed"
    assert upstream.received == []  # never forwarded
    [rec] = journal_of(proxy, scenario)
    assert rec["error"] == "inspection_failed" and rec["status"] == 502
    assert (rec["method"], rec["path"], rec["idempotency_key"]) == ("POST", "/v1/payment_intents", "fail-closed-1")
    assert health(proxy)["hook_failures"] == before + 1
    assert f"the request hook failed ({failed}" in proxy.tail()


def test_the_proxy_says_each_kind_of_failure_once(proxy, control, upstream):
    set_rules(control, [], scenario="fail-closed-twice")
    for _ in range(3):
        assert post_json(proxy, '{"amount": -1e999}').status_code == 502
    assert len(journal_of(proxy, "fail-closed-twice", n=3)) == 3
    assert proxy.tail().count("the request hook failed (OverflowError") == 1


def test_an_answer_that_cannot_be_read_is_passed_on_and_journaled_as_such(proxy, control, upstream):
    set_rules(control, [], scenario="fail-closed-answer")
    before = health(proxy)["hook_failures"]
    resp = requests.post(proxy.url + "/v1/payment_intents?answer=deep", data={"amount": "100"}, timeout=5)
    assert resp.status_code == 200 and resp.text == DEEP_ANSWER  # the upstream's own answer
    [rec] = journal_of(proxy, "fail-closed-answer")
    assert rec["error"] == "inspection_failed" and rec["status"] == 200 and rec["upstream_status"] == 200
    assert rec["request"] == {"amount": 100} and rec["response"] is None
    assert health(proxy)["hook_failures"] == before + 1


def test_a_live_key_is_refused_even_when_the_body_cannot_be_parsed(proxy, control, upstream):
    set_rules(control, [], scenario="fail-closed-live")
    resp = requests.post(proxy.url + "/v1/payment_intents", data=b'{"amount": 1e999}', timeout=5,
                         headers={"Content-Type": "application/json", "Authorization": "Bearer sk_live_abc"})
    assert resp.status_code == 403 and as_json(resp)["error"]["code"] == "live_key_refused"
    assert upstream.received == []
    [rec] = journal_of(proxy, "fail-closed-live")
    assert rec["error"] == "live_key"


def test_health_counts_the_records_written(proxy, control):
    set_rules(control, [], scenario="fail-closed-count")
    before = health(proxy)
    for _ in range(3):
        requests.get(proxy.url + "/v1/balance", timeout=5)
    assert len(journal_of(proxy, "fail-closed-count", n=3)) == 3
    after = health(proxy)
    assert after["journal_records"] == before["journal_records"] + 3
    assert after["ok"] is True and after["journal_failures"] == 0


def test_a_journal_on_a_full_device_is_counted_and_said_not_silent(upstream):
    from paychaos.proxies.testing import running_proxy
    with running_proxy({"primary": upstream.url}, journal="/dev/full") as proxy:
        for _ in range(3):
            assert requests.get(proxy.url + "/v1/balance", timeout=5).status_code == 200
        deadline = time.monotonic() + 5
        while health(proxy)["journal_failures"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        state = health(proxy)
        assert state["ok"] is False and state["journal_failures"] == 3 and state["journal_records"] == 0
        assert "No space left on device" in state["journal_last_failure"]
        assert proxy.tail().count("a journal write failed") == 1
        rules = requests.get(proxy.info["control"] + "/rules", headers=control_headers(proxy.url), timeout=5).json()
        assert rules["health"]["journal_failures"] == 3


def test_the_health_document_is_json_with_the_runner_keys(proxy):
    doc = health(proxy)
    assert {"ok", "journal_records", "journal_failures", "hook_failures"} <= set(doc)
    json.dumps(doc)


def test_card_numbers_as_json_keys_and_numbers_and_secrets_are_journaled_masked(proxy, control):
    set_rules(control, [], scenario="mask-keys")
    body = json.dumps({"amount": 100, "metadata": {"4242424242424242": "k", "pan": 5555555555554444,
                                                   "leak": "sk_test_51Habcdefghij1234"}})
    resp = requests.post(proxy.url + "/v1/payment_intents?note=whsec_paychaos_secret", data=body, timeout=5,
                         headers={"Content-Type": "application/json", "Idempotency-Key": "sk_test_abcdefgh1234"})
    assert resp.status_code == 200
    [rec] = journal_of(proxy, "mask-keys")
    text = json.dumps(rec)
    for whole in ("4242424242424242", "5555555555554444", "51Habcdefghij", "paychaos_sec", "abcdefgh1234"):
        assert whole not in text
    assert "424242******4242" in rec["request"]["metadata"] and rec["request"]["metadata"]["pan"] == "555555******4444"
