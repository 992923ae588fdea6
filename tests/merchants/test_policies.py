"""The resilient merchant's pure policies: card checks, decline wording, backoff, circuit breaker."""

from __future__ import annotations

import datetime as dt
import time

from paychaos.merchants.checkout_input import RawCard
from paychaos.merchants.resilient.declines import check_card, decline_reason
from paychaos.merchants.resilient.retry_policy import CircuitBreaker, RetryPolicy

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
