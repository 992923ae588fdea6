"""Every gateway-leg fault through a real `paychaos proxy` process with a real HTTP client: what the
client saw (RST vs empty reply vs status and body, timing) and what the journal recorded."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from paychaos.common.masking import whole_card_numbers
from paychaos.proxies.rules import apply_phases
from paychaos.proxies.testing import clear_rules, set_rules
from tests.proxies.conftest import as_json, journal_of

FORM = {"amount": "1299", "currency": "usd", "payment_method": "pm_card_visa", "metadata[order_id]": "ord_1"}


def post(proxy, timeout=5.0, **kw):
    return requests.post(proxy.url + "/v1/payment_intents", data=FORM, timeout=timeout,
                         headers={"Idempotency-Key": "key-1", "Authorization": "Bearer sk_test_x"}, **kw)


def raw_exchange(proxy) -> bytes:
    """Send one request on a plain socket; return what came back, raising on RST."""
    host, port = proxy.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        body = b"amount=1299&currency=usd"
        s.sendall(b"POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                  b"urlencoded\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        return s.recv(65536)


def only(records):
    assert len(records) == 1, records
    return records[0]


def test_clean_pass_through_is_journaled_with_key_fields(proxy, control, upstream):
    set_rules(control, [], scenario="clean")
    resp = post(proxy)
    assert resp.status_code == 200 and as_json(resp)["status"] == "succeeded"
    rec = only(journal_of(proxy, "clean"))
    assert rec["request"] == {"amount": 1299, "currency": "usd", "payment_method": "pm_card_visa",
                              "metadata": {"order_id": "ord_1"}}
    assert rec["idempotency_key"] == "key-1" and rec["status"] == 200 and rec["upstream_status"] == 200
    assert rec["faults"] == [] and rec["response"]["status"] == "succeeded"
    assert rec["t_start"] <= rec["t_first_byte"] <= rec["t_end"]


def test_latency_delays_by_the_requested_time(proxy, control):
    set_rules(control, [{"fault": "latency", "params": {"delay_ms": 400, "distribution": "fixed"}}],
              scenario="latency")
    t0 = time.monotonic()
    assert post(proxy).status_code == 200
    assert 0.4 <= time.monotonic() - t0 < 0.8
    rec = only(journal_of(proxy, "latency"))
    assert rec["faults"] == [{"fault": "latency", "rule": "r1"}] and rec["status"] == 200
    assert rec["t_end"] - rec["t_start"] >= 0.39


def test_hang_holds_until_the_client_gives_up(proxy, control, upstream):
    set_rules(control, [{"fault": "hang"}], scenario="hang")
    t0 = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        post(proxy, timeout=0.6)
    assert 0.6 <= time.monotonic() - t0 < 1.5
    rec = only(journal_of(proxy, "hang"))
    assert rec["status"] is None and rec["error"] == "timeout"
    assert upstream.received == []


def test_clearing_the_rules_ends_a_hang_the_client_never_gave_up_on(proxy, control, upstream):
    set_rules(control, [{"fault": "hang"}], scenario="hang-patient")
    errors = []

    def patient_client():
        try:
            post(proxy, timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    client = threading.Thread(target=patient_client)
    client.start()
    time.sleep(0.5)  # the request reaches the proxy and is held (nothing observable marks that moment)
    assert client.is_alive()
    clear_rules(control)
    client.join(10)
    assert not client.is_alive() and len(errors) == 1  # the client got an empty reply, not a hang
    rec = only(journal_of(proxy, "hang-patient"))
    assert rec["error"] == "timeout" and rec["status"] is None and rec["ended_by"] == "rules_replaced"
    assert upstream.received == []


def test_slow_body_sends_headers_then_trickles(proxy, control):
    set_rules(control, [{"fault": "slow_body", "params": {"bytes_per_s": 400}}], scenario="slow")
    t0 = time.monotonic()
    resp = post(proxy, stream=True)
    t_headers = time.monotonic() - t0
    body = resp.raw.read()
    t_total = time.monotonic() - t0
    assert resp.status_code == 200 and b"succeeded" in body
    expected = len(body) / 400
    assert t_headers < expected / 2
    assert expected * 0.8 <= t_total < expected + 1.0
    rec = only(journal_of(proxy, "slow"))
    assert rec["faults"][0]["fault"] == "slow_body" and rec["upstream_status"] == 200


def test_http_error_answers_a_stripe_error_with_headers(proxy, control, upstream):
    set_rules(control, [{"fault": "http_error", "params": {"status": 503, "retry_after_s": 2,
                                                           "should_retry": True}}], scenario="503")
    resp = post(proxy)
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "2" and resp.headers["Stripe-Should-Retry"] == "true"
    assert as_json(resp)["error"]["type"] == "api_error"
    assert upstream.received == []
    rec = only(journal_of(proxy, "503"))
    assert rec["status"] == 503 and rec["upstream_status"] is None
    assert rec["response"]["retry_after"] == "2" and rec["response"]["error"]["type"] == "api_error"


def test_rate_limit_and_auth_error(proxy, control):
    set_rules(control, [{"fault": "rate_limit", "params": {"retry_after_s": 3}, "times": 1},
                        {"fault": "auth_error", "params": {"status": 403}}], scenario="429")
    first, second = post(proxy), post(proxy)
    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    assert as_json(first)["error"]["code"] == "rate_limit"
    assert second.status_code == 403 and as_json(second)["error"]["type"] == "invalid_request_error"
    recs = journal_of(proxy, "429", n=2)
    assert [r["faults"][0]["fault"] for r in recs] == ["rate_limit", "auth_error"]


def test_refused_gives_the_proxys_502_and_never_reaches_upstream(proxy, control, upstream):
    set_rules(control, [{"fault": "refused"}], scenario="refused")
    resp = post(proxy)
    assert resp.status_code == 502
    assert upstream.received == []
    rec = only(journal_of(proxy, "refused"))
    assert rec["error"] == "refused" and rec["status"] == 502 and rec["upstream_status"] is None


def test_reset_is_a_real_tcp_rst(proxy, control, upstream):
    set_rules(control, [{"fault": "reset"}], scenario="reset")
    with pytest.raises(ConnectionResetError):
        raw_exchange(proxy)
    with pytest.raises(requests.ConnectionError, match="reset by peer"):
        post(proxy)
    assert upstream.received == []
    recs = journal_of(proxy, "reset", n=2)
    assert [(r["error"], r["status"]) for r in recs] == [("reset", None), ("reset", None)]


def test_close_is_an_empty_reply_not_a_reset(proxy, control):
    set_rules(control, [{"fault": "close"}], scenario="close")
    assert raw_exchange(proxy) == b""          # FIN: recv returns nothing, no ConnectionResetError
    rec = only(journal_of(proxy, "close"))
    assert rec["error"] == "close" and rec["status"] is None


def test_response_lost_resets_after_the_upstream_answered(proxy, control, upstream):
    set_rules(control, [{"fault": "response_lost"}], scenario="lost")
    with pytest.raises(ConnectionResetError):
        raw_exchange(proxy)
    assert upstream.paths() == ["/v1/payment_intents"]
    rec = only(journal_of(proxy, "lost"))
    assert rec["error"] == "reset" and rec["status"] is None and rec["upstream_status"] == 200


@pytest.mark.parametrize("mode", ["truncate", "garbage"])
def test_malformed_body(proxy, control, mode):
    set_rules(control, [{"fault": "malformed", "params": {"mode": mode}}], scenario=f"malformed-{mode}")
    resp = post(proxy)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    if mode == "truncate":
        assert resp.text.startswith('{"object": "payment_intent"')
    else:
        assert resp.text.startswith("<html>")
    rec = only(journal_of(proxy, f"malformed-{mode}"))
    assert rec["response"]["malformed"] is True and rec["upstream_status"] == 200


def test_match_on_metadata_and_every_nth(proxy, control):
    set_rules(control, [{"fault": "http_error", "params": {"status": 500}, "every": 2,
                         "match": {"metadata.order_id": "ord_*", "method": "POST"}}], scenario="every")
    statuses = [post(proxy).status_code for _ in range(4)]
    assert statuses == [200, 500, 200, 500]
    other = requests.post(proxy.url + "/v1/payment_intents", data={"metadata[order_id]": "x"}, timeout=5)
    assert other.status_code == 200


@pytest.mark.parametrize("auth", [{"headers": {"Authorization": "Bearer sk_live_abcdef"}},
                                  {"auth": ("sk_live_abcdef", "")}],  # Basic, as `curl -u sk_live_...:`
                         ids=["bearer", "basic"])
def test_live_keys_are_refused_and_journaled(proxy, control, upstream, auth):
    scenario = "live-" + ("basic" if "auth" in auth else "bearer")
    set_rules(control, [], scenario=scenario)
    resp = requests.post(proxy.url + "/v1/payment_intents", data=FORM, timeout=5, **auth)
    assert resp.status_code == 403 and "live Stripe key" in as_json(resp)["error"]["message"]
    assert upstream.received == []
    rec = only(journal_of(proxy, scenario))
    assert rec["error"] == "live_key" and rec["status"] == 403
    assert "sk_live" not in open(proxy.info["journal"]).read()


def test_card_numbers_are_masked_in_the_journal(proxy, control):
    set_rules(control, [], scenario="pan")
    requests.post(proxy.url + "/v1/payment_intents", timeout=5,
                  data={"amount": 5, "payment_method_data[card][number]": "4000000000009995"})
    rec = only(journal_of(proxy, "pan"))
    assert rec["request"]["card"] == "400000******9995"
    assert "4000000000009995" not in open(proxy.info["journal"]).read()


def test_card_numbers_are_masked_wherever_they_travel(proxy, control):
    """A card number in the path, query, idempotency key, metadata and the upstream's answer: the
    journal shows none of them whole, in any field."""
    set_rules(control, [], scenario="pan-everywhere")
    pan = "4242424242424242"
    requests.post(f"{proxy.url}/v1/payment_intents/{pan}?echo_id=pi_{pan}&note={pan}", timeout=5,
                  headers={"Idempotency-Key": f"order-{pan}"},
                  data={"amount": 5, "metadata[note]": f"card {pan}", "card[number]": pan})
    rec = only(journal_of(proxy, "pan-everywhere"))
    assert rec["path"] == "/v1/payment_intents/424242******4242"
    assert rec["idempotency_key"] == "order-424242******4242"
    assert rec["request"]["metadata"]["note"] == "card 424242******4242"
    assert rec["response"]["id"] == "pi_424242******4242"
    assert whole_card_numbers(open(proxy.info["journal"]).read()) == []


def test_phases_switch_a_fault_on_and_off_and_label_the_journal(proxy, control):
    phases = [{"name": "healthy", "duration_s": 1}, {"name": "outage", "duration_s": 1}, {"name": "recovery"}]
    faults = apply_phases([{"fault": "http_error", "params": {"status": 503}, "phase": "outage"}], phases,
                          source="phased.yaml")
    set_rules(control, faults, scenario="phased")
    t0, statuses = time.monotonic(), []
    for at_s in (0.0, 1.4, 2.4):  # in the middle of each phase, well clear of the boundaries
        time.sleep(max(0.0, t0 + at_s - time.monotonic()))
        statuses.append(post(proxy).status_code)
    assert statuses == [200, 503, 200]
    records = journal_of(proxy, "phased", n=3)
    assert [r["faults"] for r in records] == [[], [{"fault": "http_error", "rule": "r1", "phase": "outage"}], []]
