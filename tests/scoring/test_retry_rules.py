"""retry rules on hand-made observations: transient failures retried well, hard declines never."""

from paychaos.observations import Dimension, Severity
from paychaos.scoring import score
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule

OUTAGE = [fault("http_error", status=503)]


def graceful_retries(run, oid, gaps=(0.2, 0.45, 0.9), *, upstream="primary"):
    """503s retried with growing gaps under one key, then a success."""
    t = 0.0
    for gap in gaps:
        run.exchange(oid, 503, at=t, upstream=upstream)
        t += 0.05 + gap
    run.exchange(oid, 200, at=t, upstream=upstream)
    run.charge(oid, gateway=upstream)
    run.checkout(oid, "paid", elapsed_s=t + 0.2)
    run.state(oid, "paid")


def test_graceful_retries_score_100_in_every_dimension_that_applies():
    run = Run(cause="gateway_outage", faults=OUTAGE, backup=True)
    graceful_retries(run, "ord_1")
    graceful_retries(run, "ord_2", gaps=(0.1, 0.1, 0.25))  # jitter: equal gaps allowed, growth over 3
    result = score(run.observations())
    assert result.findings == []
    assert (result.prompt, result.retry, result.fallback, result.integrity) == (100, 100, 100, 100)


def test_retry_dimension_is_none_when_nothing_calls_for_retries():
    run = Run()
    run.paid("ord_1")
    assert score(run.observations()).retry is None


def test_transient_failure_not_retried_is_minor():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503, error=None)
    run.checkout("ord_1", "failed")
    run.state("ord_1", "failed")
    [found] = by_rule(score(run.observations()), "retry.transient_retried")
    assert found.severity == Severity.MINOR and found.dimension == Dimension.RETRY
    assert found.evidence["exchanges"][0]["journal_id"] == "j-000001"


def test_a_lookup_after_a_lost_answer_counts_as_follow_up():
    run = Run(cause="ambiguous_outcome", faults=[fault("response_lost")])
    run.exchange("ord_1", None, error="reset")
    run.exchange("ord_1", 200, at=0.3, method="GET", path="/v1/payment_intents/search",
                 query="query=metadata%5B%27order_id%27%5D%3A%27ord_1%27")
    run.checkout("ord_1", "failed")
    run.state("ord_1", "failed")
    assert by_rule(score(run.observations()), "retry.transient_retried") == []


def test_a_lookup_by_intent_id_is_tied_to_the_order_through_the_ledger():
    run = Run(cause="ambiguous_outcome", faults=[fault("response_lost")])
    run.exchange("ord_1", None, error="reset")
    pi = run.charge("ord_1")["payment_intent"]
    run.exchange("ord_1", 200, at=0.3, method="GET", path=f"/v1/payment_intents/{pi}")
    run.checkout("ord_1", "pending")
    run.state("ord_1", "paid")
    result = score(run.observations())
    assert result.findings == [] and result.retry == 100


def test_charge_attempt_after_the_answer_is_unbounded_retrying():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503, at=0.0)
    run.checkout("ord_1", "failed", at=0.0, elapsed_s=0.5)
    run.exchange("ord_1", 503, at=2.0)
    run.state("ord_1", "failed")
    [found] = by_rule(score(run.observations()), "retry.bounded")
    assert found.severity == Severity.MAJOR
    assert found.evidence["examples"][0]["ms_after_answer"] == 1500


def test_a_double_clicks_calls_until_its_own_answer_are_not_after_the_answer():
    run = Run(cause="transaction_anomaly", actions=["double_submit"])
    run.exchange("ord_1", 200, at=0.0)                     # the first click's charge, slow
    run.charge("ord_1")
    run.checkout("ord_1", "paid", at=0.0, elapsed_s=1.0)   # the first click answered last
    run.checkout("ord_1", "paid", at=0.0, elapsed_s=0.4, step="checkout#2", action="double_submit")
    run.exchange("ord_1", 200, at=0.6)                     # before the first click's answer: not late
    run.state("ord_1", "paid")
    assert by_rule(score(run.observations()), "retry.bounded") == []
    run.exchange("ord_1", 200, at=1.5)                     # after both answers: late
    assert by_rule(score(run.observations()), "retry.bounded")


def test_immediate_retries_and_fixed_intervals_are_no_backoff():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    graceful_retries(run, "ord_fast", gaps=(0.001, 0.002))
    graceful_retries(run, "ord_fixed", gaps=(0.5, 0.5, 0.5))
    graceful_retries(run, "ord_shrink", gaps=(1.0, 0.4))
    found = {f.message.split(" order")[0] + ("i" if "immediately" in f.message else "f"): f
             for f in by_rule(score(run.observations()), "retry.backoff")}
    immediate = [f for f in found.values() if "immediately" in f.message]
    flat = [f for f in found.values() if "fixed or shrinking" in f.message]
    assert immediate[0].evidence["order_ids"] == ["ord_fast"]
    assert immediate[0].evidence["examples"][0]["gaps_ms"] == [1, 2]
    assert sorted(flat[0].evidence["order_ids"]) == ["ord_fixed", "ord_shrink"]


def test_retries_without_a_key_or_with_new_keys_are_major():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_nokey", 503, key=None)
    run.exchange("ord_nokey", 200, at=0.5, key=None)
    run.exchange("ord_newkey", 503, key="k1")
    run.exchange("ord_newkey", 200, at=0.5, key="k2")
    run.exchange("ord_single", 200, key=None)
    for oid in ("ord_nokey", "ord_newkey", "ord_single"):
        run.charge(oid)
        run.checkout(oid, "paid")
    found = by_rule(score(run.observations()), "retry.idempotency_key")
    by_sev = {(f.severity, f.evidence["order_ids"][0]) for f in found}
    assert by_sev == {(Severity.MAJOR, "ord_nokey"), (Severity.MAJOR, "ord_newkey"), (Severity.MINOR, "ord_single")}
    assert any("without an Idempotency-Key" in f.message and "charges again" in f.message for f in found)


def test_retry_after_is_honoured_or_flagged_with_the_wait():
    run = Run(cause="rate_limit", faults=[fault("rate_limit", retry_after_s=2)])
    run.exchange("ord_ok", 429, retry_after=2, duration=0.01)
    run.exchange("ord_ok", 200, at=2.05)
    run.exchange("ord_early", 429, retry_after=2, duration=0.01)
    run.exchange("ord_early", 200, at=0.3)
    for oid in ("ord_ok", "ord_early"):
        run.charge(oid)
        run.checkout(oid, "paid", elapsed_s=2.5)
    [found] = by_rule(score(run.observations()), "retry.retry_after")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_early"]
    assert found.evidence["examples"][0]["waited_ms"] == 290


def test_hard_decline_retried_names_the_card_network_rules():
    run = Run(cause="account_problem")
    run.exchange("ord_1", card_error="insufficient_funds", key=None)
    run.exchange("ord_1", card_error="insufficient_funds", key=None, at=0.01)
    run.checkout("ord_1", "failed", expected="declined:insufficient_funds",
                 message="Declined: insufficient funds. Use another payment method.")
    run.exchange("ord_2", card_error="processing_error", at=1)         # soft: a retry is fine
    run.exchange("ord_2", 200, at=1.5)
    run.charge("ord_2")
    run.checkout("ord_2", "paid", expected="paid")
    [found] = by_rule(score(run.observations()), "retry.hard_decline")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_1"]
    assert "Visa forbids" in found.message and "insufficient_funds" in found.message


def test_same_key_resend_of_a_decline_is_a_replay_not_a_reattempt():
    run = Run(cause="account_problem")
    run.exchange("ord_1", card_error="insufficient_funds")
    run.exchange("ord_1", card_error="insufficient_funds", at=0.2)
    run.checkout("ord_1", "failed", expected="declined:insufficient_funds",
                 message="Declined: insufficient funds. Use another payment method.")
    assert by_rule(score(run.observations()), "retry.hard_decline") == []


def test_gateway_calls_per_checkout_over_the_limit_is_a_storm():
    run = Run(cause="gateway_outage", faults=OUTAGE, max_gateway_calls_per_checkout=3)
    for i in range(5):
        run.exchange("ord_1", 503, at=i * 0.5)
    run.checkout("ord_1", "failed")
    [found] = by_rule(score(run.observations()), "retry.no_storm")
    assert found.severity == Severity.MAJOR
    assert found.evidence["examples"][0] == {"order_id": "ord_1", "calls": 5, "checkouts": 1, "attempts": 5,
                                             "operation": "POST /v1/payment_intents (primary)"}


def test_distinct_calls_of_a_normal_checkout_are_not_a_storm():
    """Create a Customer, list its payment methods, create the PaymentIntent, look it up: four operations."""
    run = Run(cause="gateway_outage", faults=OUTAGE, max_gateway_calls_per_checkout=2)
    run.exchange("ord_1", 200, path="/v1/customers", confirm=False, at=0.0)
    run.exchange("ord_1", 200, method="GET", path="/v1/customers/cus_1/payment_methods", at=0.1)
    run.exchange("ord_1", 503, at=0.2, faults=["http_error"])
    run.exchange("ord_1", 200, at=0.8)
    run.exchange("ord_1", 200, method="GET", path="/v1/payment_intents/pi_1", at=1.0)
    run.checkout("ord_1", "paid")
    assert by_rule(score(run.observations()), "retry.no_storm") == []


def test_no_timeout_of_its_own_on_a_hanging_gateway():
    run = Run(cause="timeout", faults=[fault("hang")], answer_budget_s=5)
    run.exchange("ord_1", None, error="timeout", duration=30)
    run.checkout("ord_1", None, elapsed_s=None, error="timeout")
    run.exchange("ord_2", None, error="timeout", duration=2)      # the merchant gave up at 2 s
    run.exchange("ord_2", 200, at=2.5)
    run.charge("ord_2")
    run.checkout("ord_2", "paid", elapsed_s=3)
    [found] = by_rule(score(run.observations()), "retry.own_timeout")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_1"]
    assert found.evidence["examples"][0]["exchanges_ms"] == {"j-000001": 30000}


def test_should_retry_false_ignored():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503, should_retry="false")
    run.exchange("ord_1", 503, at=0.5)
    run.checkout("ord_1", "failed")
    [found] = by_rule(score(run.observations()), "retry.should_retry")
    assert found.severity == Severity.MINOR and found.evidence["order_ids"] == ["ord_1"]


def test_should_retry_false_on_an_unreadable_success_does_not_forbid_recovering_it():
    run = Run(cause="malformed_answer", faults=[fault("malformed")])
    run.exchange("ord_1", 200, faults=["malformed"], should_retry="false")
    run.exchange("ord_1", 200, at=0.3)
    run.charge("ord_1")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    assert by_rule(score(run.observations()), "retry.should_retry") == []
