"""fallback rules: the customer still has a way to pay when the primary fails or the card is declined."""

from paychaos.observations import Dimension, Severity
from paychaos.scoring import score
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule

OUTAGE = [fault("http_error", status=503)]
UNAVAILABLE = "Card payments are temporarily unavailable. Please try again later."


def test_backup_gateway_used_scores_100():
    run = Run(cause="gateway_outage", faults=OUTAGE, backup=True)
    run.exchange("ord_1", 503)
    run.exchange("ord_1", 200, at=0.3, upstream="backup")
    run.charge("ord_1", gateway="backup")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    result = score(run.observations())
    assert result.fallback == 100 and result.findings == []


def test_no_fallback_at_all_is_major_in_both_rules():
    run = Run(cause="gateway_outage", faults=OUTAGE, backup=True)
    for oid in ("ord_1", "ord_2"):
        run.exchange(oid, 503)
        run.checkout(oid, "failed", message=UNAVAILABLE, alternatives=[])
        run.state(oid, "failed")
    result = score(run.observations())
    alt = by_rule(result, "fallback.alternatives")
    backup = by_rule(result, "fallback.backup_used")
    assert [f.severity for f in alt] == [Severity.MAJOR] and "never" in alt[0].message
    assert [f.severity for f in backup] == [Severity.MAJOR]
    assert alt[0].dimension == Dimension.FALLBACK and backup[0].evidence["order_ids"] == ["ord_1", "ord_2"]
    assert result.fallback == 40


def test_alternatives_offered_but_backup_ignored_on_some_orders_is_minor():
    run = Run(cause="gateway_outage", faults=OUTAGE, backup=True)
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message=UNAVAILABLE + " Or pay with Alipay.", alternatives=["alipay"])
    run.exchange("ord_2", 503)
    run.exchange("ord_2", 503, at=0.3, upstream="backup")
    run.checkout("ord_2", "failed", message=UNAVAILABLE, alternatives=["alipay"])
    result = score(run.observations())
    assert by_rule(result, "fallback.alternatives") == []
    [found] = by_rule(result, "fallback.backup_used")
    assert found.severity == Severity.MINOR and found.evidence["order_ids"] == ["ord_1"]


def test_declined_card_needs_alternatives_in_the_answer_or_the_message():
    run = Run(cause="account_problem")
    run.exchange("ord_1", card_error="insufficient_funds")
    run.checkout("ord_1", "failed", expected="declined:insufficient_funds", alternatives=[],
                 message="Declined: insufficient funds. Please use another payment method.")
    run.exchange("ord_2", card_error="insufficient_funds")
    run.checkout("ord_2", "failed", expected="declined:insufficient_funds", alternatives=[],
                 message="Declined: insufficient funds.")
    [found] = by_rule(score(run.observations()), "fallback.alternatives")
    assert found.severity == Severity.MINOR and found.evidence["order_ids"] == ["ord_2"]
    assert "1 of 2" in found.message


def test_fallback_does_not_apply_without_failures_to_fall_back_from():
    run = Run(cause="bad_card_data")
    run.checkout("ord_1", "failed", expected="invalid:incorrect_number",
                 message="Please check the card number and try again.", alternatives=[])
    result = score(run.observations())
    assert result.fallback is None
    healthy = Run()
    healthy.paid("ord_1")
    assert score(healthy.observations()).fallback is None


def test_a_customer_left_hanging_on_a_hung_primary_got_no_fallback_either():
    run = Run(cause="timeout", faults=[fault("hang")], backup=True)
    run.exchange("ord_1", None, error="timeout", duration=30)
    run.checkout("ord_1", None, elapsed_s=None, error="timeout")
    result = score(run.observations())
    assert {(f.rule, f.severity) for f in result.findings if f.dimension == Dimension.FALLBACK} == {
        ("fallback.alternatives", Severity.MAJOR), ("fallback.backup_used", Severity.MAJOR)}


def test_no_answer_while_the_hung_exchange_never_reached_the_journal_still_counts():
    run = Run(cause="timeout", faults=[fault("hang")])
    run.checkout("ord_1", None, elapsed_s=None, error="timeout")
    [found] = by_rule(score(run.observations()), "fallback.alternatives")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_1"]


def test_backup_used_is_not_graded_for_a_shop_with_one_gateway_but_alternatives_still_are():
    from paychaos.observations import Shop
    run = Run(cause="gateway_outage", faults=[fault("http_error", status=503)], backup=True,
              shop=Shop(gateways=1))
    run.exchange("ord_1", 503, faults=["http_error"])
    run.checkout("ord_1", "failed", message="We couldn't reach our payment provider. Please try again.",
                 alternatives=[])
    result = score(run.observations())
    assert by_rule(result, "fallback.backup_used") == []
    assert [f.severity for f in by_rule(result, "fallback.alternatives")] == [Severity.MAJOR]
