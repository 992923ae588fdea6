"""The resilient merchant's pure policies: card checks, decline wording, backoff, circuit breaker."""

from __future__ import annotations

import datetime as dt
import json
import time

from paychaos.merchants.checkout_input import RawCard
from paychaos.merchants.resilient.declines import check_card, decline_reason
from paychaos.merchants.resilient.gateway_client import (
    AUTH,
    DECLINED,
    INVALID,
    TRANSIENT,
    UNKNOWN,
    classify_answer,
)
from paychaos.merchants.resilient.retry_policy import CircuitBreaker, RetryPolicy
from paychaos.merchants.resilient.stripe_http import Answer, form_pairs

TODAY = dt.date(2026, 6, 15)


def test_card_form_checks():
    assert check_card(RawCard("4242424242424242", "12", "2030", "123"), TODAY) is None
    assert check_card(RawCard("4242424242424241", "12", "2030", "123"), TODAY) == "card_number"
    assert check_card(RawCard("4242-4242-4242-4242", "6", "26", "123"), TODAY) is None
    assert check_card(RawCard("4242424242424242", "5", "2026", "123"), TODAY) == "expired"
    assert check_card(RawCard("4242424242424242", "13", "2030", "123"), TODAY) == "expired"
    assert check_card(RawCard("4242424242424242", "12", "2030", "12a"), TODAY) == "cvc"


def test_fraud_reasons_are_shown_as_a_plain_decline():
    for code in ("lost_card", "stolen_card", "fraudulent", "merchant_blacklist", "generic_decline"):
        assert decline_reason("card_declined", code) == "declined"
    assert decline_reason("card_declined", "insufficient_funds") == "insufficient_funds"
    assert decline_reason("expired_card", None) == "expired"
    assert decline_reason("processing_error", None) == "try_again"


def test_backoff_grows_and_stays_bounded():
    policy = RetryPolicy(base_s=0.2, cap_s=2.0)
    for retry, (low, high) in enumerate([(0.1, 0.2), (0.2, 0.4), (0.4, 0.8), (0.8, 1.6), (1.0, 2.0), (1.0, 2.0)], 1):
        samples = [policy.backoff_s(retry) for _ in range(50)]
        assert low <= min(samples) and max(samples) <= high


def test_circuit_opens_after_failures_and_lets_one_probe_through():
    breaker = CircuitBreaker(failure_threshold=3, open_s=0.2)
    for _ in range(3):
        assert breaker.allow()
        breaker.record(False)
    assert breaker.state == "open" and not breaker.allow()
    time.sleep(0.25)
    assert breaker.allow() and not breaker.allow()   # one probe at a time
    breaker.record(True)
    assert breaker.state == "closed" and breaker.allow()


def test_parameters_go_out_in_stripes_bracket_form():
    pairs = form_pairs({"amount": 1234, "confirm": True, "payment_method_types": ["card"], "skip": None,
                        "metadata": {"order_id": "o 1"}, "card": {"number": "4242", "exp_month": "12"}})
    assert pairs == [("amount", "1234"), ("confirm", "true"), ("payment_method_types[0]", "card"),
                     ("metadata[order_id]", "o 1"), ("card[number]", "4242"), ("card[exp_month]", "12")]


def _answer(status: int, body: object, **headers: str) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Answer(status, {k.replace("_", "-").lower(): v for k, v in headers.items()}, raw)


def test_error_answers_are_read_from_the_envelope_and_headers():
    card = classify_answer(_answer(402, {"error": {"type": "card_error", "code": "card_declined",
                                                   "decline_code": "insufficient_funds",
                                                   "payment_intent": {"id": "pi_1"}}}))
    assert (card.kind, card.decline_code, card.payment_intent, card.retryable) == (
        DECLINED, "insufficient_funds", "pi_1", False)
    limited = classify_answer(_answer(429, {"error": {"type": "rate_limit_error"}}, retry_after="2"))
    assert limited.kind == TRANSIENT and limited.retry_after_s == 2.0 and not limited.may_have_acted
    told = classify_answer(_answer(503, b"<html>down</html>", stripe_should_retry="false"))
    assert told.kind == TRANSIENT and told.retryable is False
    assert classify_answer(_answer(500, {})).may_have_acted
    assert classify_answer(_answer(409, {"error": {"type": "idempotency_error"}})).may_have_acted
    assert classify_answer(_answer(401, {"error": {"type": "invalid_request_error"}})).kind == AUTH
    assert classify_answer(_answer(400, {"error": {"type": "invalid_request_error"}})).kind == INVALID
    clash = classify_answer(_answer(400, {"error": {"type": "idempotency_error"}}))
    assert clash.kind == UNKNOWN and clash.may_have_acted
    garbled = classify_answer(_answer(200, b'{"id": "pi_'))
    assert garbled.kind == UNKNOWN and garbled.may_have_acted and garbled.retryable
