"""A scenario that exercised nothing, or whose evidence is incomplete, is inconclusive: never passed, the
reason named, and no finding rests on a broken target path (docs/scoring.md "Inconclusive")."""

from paychaos.observations import Severity
from paychaos.scoring import score
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule

OUTAGE = [fault("http_error", status=503)]


def serious(result):
    return [f for f in result.findings if f.severity in (Severity.CRITICAL, Severity.MAJOR)]


def reasons(result) -> str:
    return " | ".join(result.inconclusive)


def test_faults_that_applied_to_no_call_make_the_scenario_inconclusive_even_at_100():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.paid("ord_1")                     # the rule matched nothing: the shop's calls went through
    result = score(run.observations())
    assert result.total == 100 and not result.passed
    assert "none of the scenario's fault rules" in reasons(result)


def test_a_fault_that_applied_is_conclusive():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503, faults=["http_error"])
    run.exchange("ord_1", 200, at=0.5)
    run.charge("ord_1")
    run.checkout("ord_1", "paid", at=0.0, elapsed_s=1.0)
    run.state("ord_1", "paid")
    result = score(run.observations())
    assert result.inconclusive == [] and result.passed


def test_no_gateway_call_at_all_is_inconclusive_unless_every_card_was_invalid():
    run = Run()
    run.checkout("ord_1", "paid")
    assert "made no gateway call" in reasons(score(run.observations()))
    local = Run(cause="bad_card_data")
    local.checkout("ord_1", "failed", expected="invalid:incorrect_number", message="Please check the card number.")
    assert score(local.observations()).inconclusive == []


def test_every_call_to_an_endpoint_the_fake_does_not_serve_is_inconclusive():
    run = Run()
    rec = run.exchange("ord_1", 404, path="/v1/checkout/sessions")
    rec["response"]["error"] = {"type": "invalid_request_error", "code": None}
    run.checkout("ord_1", "failed")
    assert "does not serve" in reasons(score(run.observations()))
    missing = Run()
    rec = missing.exchange("ord_1", 404, method="GET", path="/v1/payment_intents/pi_gone")
    rec["response"]["error"] = {"type": "invalid_request_error", "code": "resource_missing"}
    missing.checkout("ord_1", "failed")
    assert "does not serve" not in reasons(score(missing.observations()))


def test_a_status_path_that_matched_no_answer_blames_nobody():
    """A wrong outcome.status path reads every answer as "failed": no critical "told failed although
    charged" may follow from it."""
    run = Run()
    run.paid("ord_1")
    answer = run.checkouts[-1]
    answer.raw_status, answer.status = None, "failed"
    result = score(run.observations())
    assert "outcome status path" in reasons(result)
    assert by_rule(result, "prompt.status_right") == [] and serious(result) == []


def test_order_status_404_for_every_order_is_inconclusive_and_order_rules_stand_aside():
    run = Run()
    run.paid("ord_1")
    run.orders["ord_1"] = {"status": None, "http_status": 404}
    result = score(run.observations())
    assert "answered 404 for every order" in reasons(result)
    assert by_rule(result, "integrity.state_converges") == [] and serious(result) == []


def test_every_genuine_webhook_answered_404_is_inconclusive():
    run = Run()
    run.paid("ord_1")
    run.webhook("pi_x", status=404)
    assert "webhook delivery" in reasons(score(run.observations()))


def test_a_journal_short_of_the_gateways_count_is_incomplete_evidence():
    run = Run()
    run.paid("ord_1")
    obs = run.observations()
    obs.ledger["requests"] = {"api": 3}
    assert "evidence incomplete" in reasons(score(obs))
    obs.ledger["requests"] = {"api": 1}
    assert score(obs).inconclusive == []


def test_a_cancel_path_that_answers_404_everywhere_blames_nobody_for_the_refund():
    run = Run(cause="transaction_anomaly", actions=["cancel_after_pay"])
    run.paid("ord_1")
    cancel = run.checkout("ord_1", "failed", step="cancel", action="cancel_after_pay", at=1.0)
    cancel.http_status = 404
    result = score(run.observations())
    assert "cancel call answered 404" in reasons(result)
    assert by_rule(result, "integrity.refund_after_cancel") == [] and serious(result) == []


def test_orders_never_asked_about_are_not_a_broken_target_path():
    """A checkout that never answered gives no merchant order id to ask about: the order rules stand aside,
    and the scenario stays conclusive (the hang it was about was observed)."""
    run = Run(cause="timeout", faults=[fault("hang")])
    run.exchange("ord_1", None, error="timeout", faults=["hang"], duration=30)
    run.checkout("ord_1", None, error="timeout")
    run.orders["ord_1"] = {"status": None, "error": "no_merchant_order_id"}
    result = score(run.observations())
    assert result.inconclusive == []
    assert by_rule(result, "integrity.state_converges") == []


def test_a_checkout_the_driver_could_not_play_makes_the_scenario_inconclusive():
    run = Run()
    run.paid("ord_1")
    result = run.checkout("ord_2", "pending")
    result.inconclusive = "the driver cannot scan this QR code: 'https://qr.alipay.com/b' is neither ..."
    verdict = score(run.observations())
    assert not verdict.passed
    assert "could not play 1 checkout(s) (ord_2: the driver cannot scan this QR code" in reasons(verdict)


def test_a_notification_scenario_without_faults_whose_notifications_never_reached_the_shop_is_inconclusive():
    run = Run(cause="webhook_chaos")      # the gateway itself sends the unsigned or forged notifications
    run.exchange("ord_1", 200)
    run.checkout("ord_1", "failed", expected="failed")
    run.state("ord_1", "failed")
    assert "none reached the merchant" in reasons(score(run.observations()))
    run.webhook("pi_x", status=400)       # one came through the proxy (refused): the shop met it
    assert "none reached the merchant" not in reasons(score(run.observations()))
