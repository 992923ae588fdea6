"""The journal's field readers (pure functions on the proxy's hot path): what a request's key fields,
an answer's summary and a journal line hold, cards masked, whatever the encoding."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from paychaos.proxies.journal import form_fields, json_line, request_fields, response_summary, webhook_event
from paychaos.proxies.journal_table import row

FORM = "application/x-www-form-urlencoded"


def test_form_fields_as_the_stripe_sdk_encodes_them():
    body = urlencode({"amount": "1299", "currency": "usd", "metadata[order_id]": "ord 7/α",
                      "payment_method_data[card][number]": "4000 0000 0000 9995", "expand[]": "x"})
    assert "%5B" in body  # brackets percent-encoded, as the SDK sends them
    fields = request_fields(FORM, body.encode())
    assert fields == {"amount": 1299, "currency": "usd", "metadata": {"order_id": "ord 7/α"},
                      "card": "400000******9995"}


def test_query_fields_count_after_the_body_and_first_value_wins():
    fields = request_fields(FORM, b"currency=usd&currency=eur", "currency=jpy&customer=cus_1&amount=x")
    assert fields == {"currency": "usd", "customer": "cus_1", "amount": "x"}  # a non-number stays as sent


def test_json_bodies_nested_card_and_metadata():
    body = json.dumps({"amount": 500, "currency": "eur", "card": {"number": "4242424242424242"},
                       "metadata": {"note": "card 4242424242424242", "n": 3}}).encode()
    fields = request_fields("application/json", body)
    assert fields == {"amount": 500, "currency": "eur", "card": "424242******4242",
                      "metadata": {"note": "card 424242******4242", "n": 3}}
    assert request_fields("application/json", b"[1, 2]") == {}
    assert request_fields("application/json", b"{not json") == {}


_text = st.text(alphabet=st.sampled_from("ab=&%+[]_2 é"), max_size=30)


@given(st.lists(st.tuples(st.sampled_from(["amount", "currency", "customer", "metadata[k]", "x", "card[number]"]),
                          _text), max_size=6), st.booleans())
def test_form_fields_agree_with_parse_qsl(pairs, encode):
    text = urlencode(pairs) if encode else "&".join(f"{k}={v}" for k, v in pairs)
    expected: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key == "metadata[k]":
            expected.setdefault("metadata", {})["k"] = value
        elif key == "card[number]":
            expected["card"] = value
        elif key in ("amount", "currency", "customer"):
            expected.setdefault(key, value)
    assert form_fields(text) == expected


def test_response_summary_of_a_decline_carries_the_intent_and_the_retry_headers():
    body = json.dumps({"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                                 "payment_intent": {"id": "pi_9", "status": "requires_payment_method"}}}).encode()
    summary = response_summary(body, {"retry-after": "2", "stripe-should-retry": "false"})
    assert summary == {"object": "payment_intent", "id": "pi_9", "status": "requires_payment_method",
                       "error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"},
                       "retry_after": "2", "should_retry": "false"}


def test_response_summary_marks_malformed_answers_and_masks_what_the_upstream_echoes():
    assert response_summary(b'{"id": "pi_1", "sta', {})["malformed"] is True
    assert response_summary(b"", {})["object"] is None
    assert response_summary(b'{"id": "pi_1", "amount": NaN}', {})["id"] == "pi_1"  # json accepts NaN
    assert response_summary(b'{"id": "pi_4242424242424242"}', {})["id"] == "pi_424242******4242"


def test_webhook_event_fields():
    body = json.dumps({"object": "event", "id": "evt_1", "type": "payment_intent.succeeded",
                       "data": {"object": {"id": "pi_1"}}}).encode()
    assert webhook_event(body) == {"id": "evt_1", "type": "payment_intent.succeeded", "object_id": "pi_1"}
    assert webhook_event(b'{"object": "payment_intent"}') is None
    assert webhook_event(b"garbage") is None


def test_json_lines_read_back_whatever_the_record_holds():
    for record in ({"amount": 10 ** 30, "t": 1795701190.2667987, "s": "日本"},  # beyond 64 bits
                   {"key": "bad-\udcff-bytes"},  # a header decoded with surrogateescape
                   {"when": object()}):          # anything else: its str()
        line = json_line(record)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        back = json.loads(line.decode("utf-8"))
        assert set(back) == set(record)
    assert json.loads(json_line({"amount": 10 ** 30}))["amount"] == 10 ** 30
    assert json.loads(json_line({"key": "bad-\udcff"}))["key"] == "bad-\udcff"


def test_the_journal_table_tells_forged_and_copied_deliveries_from_the_genuine_one():
    genuine = {"t_start": 0, "upstream": "webhooks", "method": "POST", "path": "/webhooks/stripe",
               "event": {"type": "payment_intent.payment_failed"}, "status": 200,
               "faults": [{"fault": "webhook_forge", "rule": "r1"}], "id": "j-000003"}
    forged = {**genuine, "id": "j-000004", "replay_of": "j-000003", "forged": "unsigned", "status": 400,
              "event": {"type": "payment_intent.succeeded"}}
    copy = {**genuine, "id": "j-000005", "replay_of": "j-000003", "faults": [{"fault": "webhook_duplicate"}]}
    assert row(genuine).rstrip().endswith("webhook_forge")
    assert row(forged).endswith("forged (unsigned) after j-000003")
    assert row(copy).endswith("copy of j-000003")
    assert row({**genuine, "error": "reset"}).endswith("reset")


def test_the_body_key_is_kept_so_a_browsers_call_is_told_apart_and_a_secret_one_is_masked():
    """stripe.js (and the hosted page's script) send the publishable key in the body: journaled, so
    scoring keeps the customer's calls apart from the merchant's; a secret key there is masked."""
    from paychaos.common.call_kinds import browser_call

    fields = request_fields("application/x-www-form-urlencoded", b"key=pk_test_abc&type=card&card[number]=4242424242424242")
    assert fields["key"] == "pk_test_abc" and "4242424242424242" not in str(fields)
    assert browser_call("/v1/payment_methods", key=fields["key"])
    secret = request_fields("application/x-www-form-urlencoded", b"key=sk_test_0123456789abcdef")
    assert "0123456789abcdef" not in secret["key"]
