"""integrity rules: money never doubled, kept or invented; order states agree with the ledgers."""

from paychaos.observations import Dimension, Severity
from paychaos.scoring import score
from paychaos.scoring.rules.integrity import rejects_forged_webhooks
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule


def test_double_charge_across_primary_and_backup_is_critical():
    run = Run(cause="gateway_outage", faults=[fault("response_lost")], backup=True)
    run.exchange("ord_1", None, error="reset", key=None)
    run.exchange("ord_1", 200, at=0.4, upstream="backup", key=None)
    run.charge("ord_1")
    run.charge("ord_1", gateway="backup")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    result = score(run.observations())
    [found] = by_rule(result, "integrity.no_double_charge")
    assert found.severity == Severity.CRITICAL and found.dimension == Dimension.INTEGRITY
    example = found.evidence["examples"][0]
    assert {c["gateway"] for c in example["charges"]} == {"primary", "backup"}
    assert example["journal_ids"] == ["j-000001", "j-000002"]
    assert result.integrity == 40 and result.total <= 50


def test_double_charge_refunded_back_to_one_is_minor():
    run = Run(actions=["double_submit"])
    run.paid("ord_1")
    run.charge("ord_1", refunded=run.amount("ord_1"))
    [found] = by_rule(score(run.observations()), "integrity.no_double_charge")
    assert found.severity == Severity.MINOR


def test_charges_tied_to_orders_by_unique_amount_without_metadata():
    run = Run()
    run.exchange("ord_1", 200, metadata=False)
    run.charge("ord_1", metadata=False)
    run.charge("ord_1", metadata=False)
    run.checkout("ord_1", "paid")
    run.paid("ord_2")
    [found] = by_rule(score(run.observations()), "integrity.no_double_charge")
    assert found.evidence["order_ids"] == ["ord_1"]


def test_orphan_charge_for_a_failed_order_and_untied_money_is_inconclusive_not_blamed():
    run = Run(cause="ambiguous_outcome", faults=[fault("response_lost")])
    run.exchange("ord_1", None, error="reset", faults=["response_lost"])
    run.charge("ord_1")
    run.checkout("ord_1", "failed")
    run.state("ord_1", "failed")
    run.paid("ord_2")
    run.charge(None, amount=77777, metadata=False)
    result = score(run.observations())
    [crit] = by_rule(result, "integrity.no_orphan_charge")
    assert crit.severity == Severity.CRITICAL and crit.evidence["order_ids"] == ["ord_1"]
    # The untied 77777 is no finding against the merchant; the money verdict is inconclusive.
    assert not any("77777" in str(f.evidence) for f in result.findings)
    assert any("could not be tied to any order" in r for r in result.inconclusive)
    assert not result.passed


def test_order_recorded_paid_without_money_is_a_false_success():
    run = Run(cause="malformed_answer", faults=[fault("malformed")])
    run.exchange("ord_1", 200, faults=["malformed"])
    run.checkout("ord_1", "pending")
    run.state("ord_1", "paid")
    [found] = by_rule(score(run.observations()), "integrity.no_false_success")
    assert found.severity == Severity.CRITICAL and found.evidence["order_ids"] == ["ord_1"]


def test_refund_after_cancel():
    run = Run(actions=["cancel_after_pay"])
    run.paid("ord_kept")
    run.checkout("ord_kept", "failed", step="cancel", at=1, message="Order canceled.")
    run.state("ord_kept", "canceled")
    run.exchange("ord_ok", 200)
    run.charge("ord_ok", refunded=run.amount("ord_ok"))
    run.checkout("ord_ok", "paid")
    run.checkout("ord_ok", "failed", step="cancel", at=1, message="Refunded.")
    run.state("ord_ok", "refunded")
    result = score(run.observations())
    [found] = by_rule(result, "integrity.refund_after_cancel")
    assert found.severity == Severity.CRITICAL and found.evidence["order_ids"] == ["ord_kept"]
    assert by_rule(result, "integrity.no_orphan_charge") == []   # judged once, by the cancel rule


def test_refund_after_cancel_does_not_apply_without_cancels():
    run = Run()
    run.paid("ord_1")
    assert "integrity.refund_after_cancel" not in {f.rule for f in score(run.observations()).findings}


def test_state_converges_after_webhook_chaos_with_the_webhook_trail_as_evidence():
    run = Run(cause="webhook_chaos", faults=[fault("webhook_drop", upstream="webhooks")])
    run.exchange("ord_1", None, error="timeout")
    run.charge("ord_1")
    run.exchange(None, 200, direction="to_merchant", upstream="webhooks", method="POST", path="/webhooks/stripe",
                 event={"id": "evt_1", "type": "payment_intent.succeeded", "object_id": "pi_p0001ord_1"},
                 faults=["webhook_drop"])
    run.checkout("ord_1", "pending")
    run.state("ord_1", "pending")
    run.exchange("ord_2", 503)
    run.checkout("ord_2", "pending")
    run.state("ord_2", "pending")
    [found] = by_rule(score(run.observations()), "integrity.state_converges")
    assert found.severity == Severity.MAJOR
    problems = {e["order_id"]: e for e in found.evidence["examples"]}
    assert problems["ord_1"]["problem"] == "charged, still pending"
    assert problems["ord_1"]["webhooks"][0]["faults"] == ["webhook_drop"]
    assert problems["ord_2"]["problem"] == "pending with no payment in flight"


def test_double_fulfilment_and_fulfilment_without_money():
    run = Run(cause="webhook_chaos", faults=[fault("webhook_duplicate", upstream="webhooks", copies=2)])
    run.paid("ord_1")
    run.state("ord_1", "paid", fulfilled=2)
    run.checkout("ord_2", "failed", message="Temporarily unavailable, try again later.")
    run.state("ord_2", "failed", fulfilled=1)
    run.paid("ord_3")
    run.state("ord_3", "paid", fulfilled=1)
    found = by_rule(score(run.observations()), "integrity.no_double_fulfilment")
    assert [(f.severity, f.evidence["order_ids"]) for f in found] == [
        (Severity.CRITICAL, ["ord_1"]), (Severity.CRITICAL, ["ord_2"])]


def test_graceful_webhook_run_scores_100():
    run = Run(cause="webhook_chaos", faults=[fault("webhook_duplicate", upstream="webhooks", copies=3)])
    for i in range(3):
        run.paid(f"ord_{i}", at=i)
        run.state(f"ord_{i}", "paid", fulfilled=1)
    result = score(run.observations())
    assert result.findings == [] and result.total == 100
    assert result.retry is None and result.fallback is None


def declined_then_forged(run: Run, order_id: str, *, answer: int, **state) -> str:
    """A declined order whose payment_failed event is followed by a forged succeeded one."""
    run.exchange(order_id, card_error="insufficient_funds")
    run.checkout(order_id, "failed", expected="declined:insufficient_funds",
                 message="Your card has insufficient funds; please use another payment method.")
    pi = run.intent(order_id)
    run.webhook(pi, "payment_intent.payment_failed", at=0.5)
    run.webhook(pi, "payment_intent.succeeded", answer, at=0.6, event_id=f"evt_forged_{order_id}",
                forged="bad_signature")
    run.state(order_id, **state)
    return pi


def test_forged_webhook_that_marks_a_declined_order_paid_is_critical():
    run = Run(cause="webhook_chaos", faults=[fault("webhook_forge", upstream="webhooks")])
    declined_then_forged(run, "ord_1", answer=200, status="paid", fulfilled=1,
                         history=["failed: card declined", "paid: webhook evt_forged_ord_1"])
    declined_then_forged(run, "ord_2", answer=200, status="paid")          # no history: its state tells
    result = score(run.observations())
    [found] = by_rule(result, "integrity.rejects_forged_webhooks")
    assert found.severity == Severity.CRITICAL and found.dimension == Dimension.INTEGRITY
    assert found.evidence["order_ids"] == ["ord_1", "ord_2"]
    changes = {e["order_id"]: e["change"] for e in found.evidence["examples"]}
    assert changes == {"ord_1": "its history names the forged event evt_forged_ord_1",
                       "ord_2": "paid with no money captured or held"}
    delivery = found.evidence["examples"][0]["deliveries"][0]
    assert delivery == {"journal_id": "j-000003", "event": "payment_intent.succeeded",
                        "event_id": "evt_forged_ord_1", "mode": "bad_signature", "status": 200}
    assert result.total <= 50


def test_forged_webhook_answered_2xx_without_a_visible_change_is_major():
    run = Run(cause="webhook_chaos", faults=[fault("webhook_forge", upstream="webhooks")])
    run.paid("ord_1")
    pi = run.ledgers["primary"]["payment_intents"][0]["id"]
    run.webhook(pi, "payment_intent.succeeded", at=0.5)
    run.webhook(pi, "payment_intent.succeeded", 200, at=0.6, forged="unsigned")
    run.webhook(pi, "payment_intent.succeeded", 204, at=0.7, forged="tampered")
    run.state("ord_1", "paid", fulfilled=1)
    result = score(run.observations())
    [found] = by_rule(result, "integrity.rejects_forged_webhooks")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_1"]
    assert found.evidence["journal_ids"] == ["j-000003", "j-000004"]
    assert "2 forged webhook(s)" in found.message
    assert result.integrity == 70


def _forged_and_answered_2xx(dialect: str | None):
    run = Run(cause="webhook_chaos", faults=[fault("webhook_forge", upstream="webhooks")])
    run.paid("ord_1")
    if dialect:
        run.ledgers["primary"]["dialect"] = dialect
    pi = run.ledgers["primary"]["payment_intents"][0]["id"]
    run.webhook(pi, "payment_intent.succeeded", at=0.5)
    run.webhook(pi, "payment_intent.succeeded", 200, at=0.6, forged="unsigned")
    run.state("ord_1", "paid", fulfilled=1)
    [found] = by_rule(score(run.observations()), "integrity.rejects_forged_webhooks")
    return found.message


def test_a_forged_notification_finding_names_the_signature_of_the_gateway_that_ran():
    """A WeChat Pay or Alipay shop is not told about Stripe-Signature."""
    assert "Stripe-Signature" in _forged_and_answered_2xx(None)
    wechat = _forged_and_answered_2xx("wechatpay")
    assert "Wechatpay-Signature" in wechat and "platform certificate" in wechat and "Stripe" not in wechat
    alipay = _forged_and_answered_2xx("alipay")
    assert "`sign` field" in alipay and "never answer `success`" in alipay and "Stripe" not in alipay


def test_forged_webhooks_refused_with_400_cost_nothing():
    run = Run(cause="webhook_chaos", faults=[fault("webhook_forge", upstream="webhooks")])
    for i, mode in enumerate(["bad_signature", "unsigned", "tampered"]):
        run.paid(f"ord_{i}", at=i)
        pi = run.ledgers["primary"]["payment_intents"][i]["id"]
        run.webhook(pi, "payment_intent.succeeded", at=i + 0.5)
        run.webhook(pi, "payment_intent.payment_failed", 400, at=i + 0.6, forged=mode)
        run.state(f"ord_{i}", "paid", fulfilled=1)
    result = score(run.observations())
    assert by_rule(result, "integrity.rejects_forged_webhooks") == [] and result.integrity == 100
    assert result.findings == [] and result.total == 100


def test_forged_webhook_rule_applies_only_where_webhooks_are_forged():
    run = Run()
    run.paid("ord_1")
    assert score(run.observations()).integrity is not None
    assert rejects_forged_webhooks(run.observations()) is None
    run = Run(cause="webhook_chaos", faults=[fault("webhook_forge", upstream="webhooks")])
    run.paid("ord_1")
    [found] = rejects_forged_webhooks(run.observations())
    assert found.severity == Severity.INFO and "no forged delivery" in found.message


def test_genuine_webhooks_answered_5xx_are_a_finding_major_when_never_acknowledged():
    run = Run(cause="webhook_chaos")
    run.paid("ord_1")
    run.webhook("pi_x", status=500, event_id="evt_never")
    run.webhook("pi_x", status=500, event_id="evt_never", at=1.0)
    run.webhook("pi_y", status=503, event_id="evt_late")
    run.webhook("pi_y", status=200, event_id="evt_late", at=1.0)
    found = {f.severity: f for f in by_rule(score(run.observations()), "integrity.webhooks_acknowledged")}
    assert found[Severity.MAJOR].evidence["examples"][0]["event_id"] == "evt_never"
    assert found[Severity.MINOR].evidence["examples"][0]["event_id"] == "evt_late"


def test_in_a_browser_flow_without_order_status_the_pages_words_are_not_the_merchants_record():
    # The page said the payment failed (its script's words), the money is captured, and the merchant's
    # server answered the payment webhook: it knows the money is there, so no orphan; the customer told
    # "failed" is prompt.status_right's critical finding.
    from paychaos.observations import Shop
    run = Run(cause="ambiguous_outcome", faults=[fault("response_lost")], shop=Shop(flow="browser"))
    for oid in ("ord_known", "ord_unknown"):
        run.exchange(oid, 200)
        charge = run.charge(oid)
        run.checkout(oid, "failed", message="An error occurred with our connection to Stripe.")
        if oid == "ord_known":
            run.webhook(charge["payment_intent"], "payment_intent.succeeded")
    result = score(run.observations())
    [orphan] = by_rule(result, "integrity.no_orphan_charge")
    assert orphan.evidence["order_ids"] == ["ord_unknown"]    # no webhook reached the merchant for it
    [told] = by_rule(result, "prompt.status_right")
    assert told.severity == Severity.CRITICAL and told.evidence["order_ids"] == ["ord_known", "ord_unknown"]
