"""A shop that authorises at checkout and captures later (capture_method=manual): money held by an
authorisation (requires_capture) is money at risk for the customer, found by the integrity rules as a
captured charge would be (tests/shops/MEASUREMENTS.md, Sorrel)."""

from paychaos.observations import Severity
from paychaos.scoring import score
from paychaos.scoring.lexicon import Lexicon
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule


def held(run: Run, order_id: str) -> None:
    """One authorisation of the order's amount, held and not captured."""
    run.charge(order_id, captured=False)


def test_one_held_authorisation_for_a_placed_order_is_no_finding():
    run = Run()
    run.exchange("ord_1", 200)
    held(run, "ord_1")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    result = score(run.observations())
    assert [f for f in result.findings if f.severity in (Severity.CRITICAL, Severity.MAJOR)] == []


def test_two_holds_for_one_order_are_money_held_twice():
    run = Run(cause="ambiguous_outcome", faults=[fault("response_lost")])
    run.exchange("ord_1", None, error="reset", key="a")
    run.exchange("ord_1", 200, at=0.4, key="b")
    held(run, "ord_1")
    held(run, "ord_1")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    [found] = by_rule(score(run.observations()), "integrity.no_double_charge")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_1"]
    assert len(found.evidence["examples"][0]["holds"]) == 2


def test_a_hold_beside_a_refunded_charge_is_not_held_twice():
    run = Run()
    run.exchange("ord_1", 200)
    run.charge("ord_1", refunded=run.amount("ord_1"))
    held(run, "ord_1")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    assert by_rule(score(run.observations()), "integrity.no_double_charge") == []


def test_a_cancel_that_leaves_the_hold_is_found_and_one_that_releases_it_is_not():
    run = Run(actions=["cancel_after_pay"])
    for oid in ("ord_kept", "ord_ok"):
        run.exchange(oid, 200)
        run.checkout(oid, "paid")
        run.checkout(oid, "failed", step="cancel", at=1, message="Cancelled.")
        run.state(oid, "canceled")
    held(run, "ord_kept")
    run.intent("ord_ok", status="canceled")   # the authorisation released
    [found] = by_rule(score(run.observations()), "integrity.refund_after_cancel")
    assert found.severity == Severity.MAJOR and found.evidence["order_ids"] == ["ord_kept"]


def test_a_failed_order_holding_an_authorisation_is_found():
    run = Run()
    run.exchange("ord_1", 200)
    held(run, "ord_1")
    run.checkout("ord_1", "failed", message="We couldn't take the payment.")
    run.state("ord_1", "failed")
    [found] = by_rule(score(run.observations()), "integrity.no_orphan_charge")
    assert found.severity == Severity.MAJOR and found.evidence["examples"][0]["held"] == run.amount("ord_1")


def released(run: Run, order_id: str) -> None:
    """An authorisation of the order's amount, held and then released (its PaymentIntent canceled), as
    the gateway leaves it: the charge uncaptured and refunded."""
    charge = run.charge(order_id, captured=False, refunded=run.amount(order_id))
    pi = next(p for p in run.ledgers["primary"]["payment_intents"] if p["id"] == charge["payment_intent"])
    pi.update(status="canceled", amount_capturable=0)


def test_told_authorised_then_released_on_cancel_was_told_the_truth():
    run = Run(actions=["cancel_after_pay"])
    run.exchange("ord_1", 200)
    released(run, "ord_1")
    run.checkout("ord_1", "paid", message="We've authorised your card. We'll only charge it when your plants ship.")
    run.checkout("ord_1", "failed", step="cancel", at=1, message="Cancelled: the hold on your card is released.")
    run.state("ord_1", "canceled")
    result = score(run.observations())
    assert by_rule(result, "prompt.status_right") == [] and by_rule(result, "integrity.refund_after_cancel") == []


def test_told_paid_with_nothing_ever_authorised_is_still_critical():
    run = Run()
    run.exchange("ord_1", 200)
    run.intent("ord_1", status="canceled")
    run.checkout("ord_1", "paid")
    [found] = by_rule(score(run.observations()), "prompt.status_right")
    assert found.severity == Severity.CRITICAL


def unanswered_order(run: Run, *, lookups: bool) -> None:
    """An authorisation sent through a refusing gateway (never answered), then (lookups) looked up, refused too."""
    run.exchange("ord_1", None, error="refused", faults=["refused"])
    if lookups:
        run.exchange("ord_1", None, at=0.5, method="GET", path="/v1/payment_intents/search", error="refused",
                     faults=["refused"], query="query=metadata['order_id']:'ord_1'")
    run.checkout("ord_1", "pending")
    run.state("ord_1", "pending")


def test_pending_while_every_look_up_was_refused_is_not_blamed_on_the_shop():
    run = Run(cause="gateway_outage", faults=[fault("refused")])
    unanswered_order(run, lookups=True)
    assert by_rule(score(run.observations()), "integrity.state_converges") == []


def test_pending_without_ever_looking_is_still_found():
    run = Run(cause="gateway_outage", faults=[fault("refused")])
    unanswered_order(run, lookups=False)
    [found] = by_rule(score(run.observations()), "integrity.state_converges")
    assert found.evidence["examples"][0]["problem"] == "pending with no payment in flight"


def test_an_authorisation_is_a_paid_answer_in_the_lexicon():
    """"We've authorised your card" says what happened to a placed order whose money is held (Sorrel's words)."""
    lex = Lexicon()
    assert "paid" in lex.find("We've authorised your card. We'll only charge it when your plants ship.", "en")
    assert "paid" in lex.find("Payment authorized: we charge your card when the order ships.", "en")
    assert "unavailable" in lex.find("We couldn't reach our card processor, so nothing was charged.", "en")
    assert "support" in lex.find("Nothing was charged. Please email help@sorrel.example.", "en")
