"""Tying money to orders without help from the merchant: each route alone, in order, and the report of
which route tied each charge (docs/scoring.md "How money and exchanges are tied to orders")."""

import json

from paychaos.observations import Severity
from paychaos.scoring import score
from paychaos.scoring.orders import build
from paychaos.scoring.testing import Run
from tests.scoring.conftest import by_rule

FIXED_PRICE = 1999    # a shop that computes its own prices: every order costs the same, amounts tie nothing


def shop_run(**kw) -> Run:
    run = Run(**kw)
    run.amounts.update({"ord_a": 1200, "ord_b": 3400})
    return run


def untagged_charge(run: Run, **meta) -> dict:
    """A captured charge at the shop's own price, with no order id in its metadata."""
    charge = run.charge(None, amount=FIXED_PRICE, metadata=False)
    for pi in run.ledgers["primary"]["payment_intents"]:
        if pi["id"] == charge["payment_intent"]:
            pi["metadata"] = dict(meta)
    charge["metadata"] = dict(meta)
    return charge


def test_any_metadata_value_equal_to_the_merchants_own_order_id_ties_it():
    run = shop_run()
    run.checkout("ord_a", "paid").merchant_order_id = "LB-1001"
    run.checkout("ord_b", "paid").merchant_order_id = "LB-1002"
    charge = untagged_charge(run, cart="LB-1002")
    book = build(run.observations())
    assert [c.id for c in book.orders["ord_b"].charges] == [charge["id"]]
    assert book.orders["ord_b"].routes[charge["id"]] == "metadata"
    assert book.stray_charges == []


def test_an_intent_id_in_the_merchants_answer_or_its_client_secret_ties_it():
    run = shop_run()
    a = untagged_charge(run)
    b = untagged_charge(run)
    run.checkout("ord_a", "paid", body=json.dumps({"state": "complete", "payment": a["payment_intent"]}))
    answer = run.checkout("ord_b", "pending", body=json.dumps({"client_secret": f"{b['payment_intent']}_secret_Zx9"}))
    answer.headers = {"Location": "/thanks"}
    book = build(run.observations())
    assert [c.id for c in book.orders["ord_a"].charges] == [a["id"]]
    assert [c.id for c in book.orders["ord_b"].charges] == [b["id"]]
    assert {book.orders["ord_a"].routes[a["id"]], book.orders["ord_b"].routes[b["id"]]} == {"answer"}


def test_the_customer_the_payment_belongs_to_ties_it():
    run = shop_run()
    run.checkout("ord_a", "paid").email = "ann@example.com"
    run.checkout("ord_b", "paid").email = "bob@example.com"
    charge = untagged_charge(run)
    charge["customer"] = "cus_bob"
    run.ledgers["primary"]["customers"] = [{"id": "cus_ann", "email": "ann@example.com"},
                                           {"id": "cus_bob", "email": "Bob@Example.com"}]
    book = build(run.observations())
    assert [c.id for c in book.orders["ord_b"].charges] == [charge["id"]]
    assert book.orders["ord_b"].routes[charge["id"]] == "customer"


def test_an_idempotency_key_naming_the_order_ties_what_the_call_made():
    run = shop_run()
    run.checkout("ord_a", "paid").merchant_order_id = "LB-1001"
    run.checkout("ord_b", "paid").merchant_order_id = "LB-1002"
    charge = untagged_charge(run)
    rec = run.exchange(None, 200, key="lantern-LB-1001-pay", metadata=False, amount=FIXED_PRICE)
    rec["response"]["id"] = charge["payment_intent"]
    book = build(run.observations())
    assert [c.id for c in book.orders["ord_a"].charges] == [charge["id"]]
    assert book.orders["ord_a"].routes[charge["id"]] == "idempotency_key"
    assert [r["id"] for r in book.orders["ord_a"].exchanges] == [rec["id"]]


def test_a_prefix_of_another_order_id_names_nothing():
    run = shop_run()
    run.checkout("ord_a", "paid").merchant_order_id = "LB-100"
    run.checkout("ord_b", "paid").merchant_order_id = "LB-1001"
    charge = untagged_charge(run)
    rec = run.exchange(None, 200, key="LB-1001", metadata=False, amount=FIXED_PRICE)
    rec["response"]["id"] = charge["payment_intent"]
    book = build(run.observations())
    assert [c.id for c in book.orders["ord_b"].charges] == [charge["id"]]
    assert book.orders["ord_a"].charges == []


def test_the_time_the_creating_call_ran_ties_it_when_one_checkout_was_waiting():
    run = shop_run()
    run.checkout("ord_a", "paid", at=0.0, elapsed_s=1.0)
    run.checkout("ord_b", "paid", at=2.0, elapsed_s=1.0)
    charge = untagged_charge(run)
    rec = run.exchange(None, 200, at=2.5, key=None, metadata=False, amount=FIXED_PRICE)
    rec["response"]["id"] = charge["payment_intent"]
    book = build(run.observations())
    assert book.orders["ord_b"].routes[charge["id"]] == "time"
    assert [r["id"] for r in book.orders["ord_b"].exchanges] == [rec["id"]]


def test_a_payment_intent_made_before_the_wait_is_tied_by_the_time_of_the_call_that_confirmed_it():
    # A page that creates the PaymentIntent when it loads (Stripe's Payment Element sample), before the
    # customer's wait starts, and confirms it from the browser on Pay; the confirm's answer was lost.
    run = shop_run()
    charge = untagged_charge(run)
    made = run.exchange(None, 200, at=0.5, key=None, metadata=False, amount=FIXED_PRICE, confirm=False)
    made["response"]["id"] = charge["payment_intent"]          # made while nobody waited yet
    run.checkout("ord_a", "failed", at=1.0, elapsed_s=1.0, message="An error occurred.")
    run.checkout("ord_b", "paid", at=3.0, elapsed_s=1.0)
    run.exchange(None, None, at=1.2, key=None, metadata=False, path=f"/v1/payment_intents/{charge['payment_intent']}/confirm",
                 error="response_lost")
    book = build(run.observations())
    assert book.orders["ord_a"].routes[charge["id"]] == "time"


def test_overlapping_checkouts_tie_nothing_by_time_and_the_money_is_inconclusive_not_a_finding():
    run = shop_run()
    run.checkout("ord_a", "paid", at=0.0, elapsed_s=2.0)
    run.checkout("ord_b", "paid", at=0.5, elapsed_s=2.0)
    run.state("ord_a", "paid")
    run.state("ord_b", "paid")
    for at in (1.0, 1.5):
        charge = untagged_charge(run)
        rec = run.exchange(None, 200, at=at, key=None, metadata=False, amount=FIXED_PRICE)
        rec["response"]["id"] = charge["payment_intent"]
    result = score(run.observations())
    assert len(build(run.observations()).stray_charges) == 2
    assert not [f for f in result.findings if f.severity in (Severity.CRITICAL, Severity.MAJOR)]
    assert any("could not be tied" in r for r in result.inconclusive) and not result.passed


def test_more_captured_charges_than_a_customers_orders_is_a_double_charge_even_untied():
    run = shop_run()
    run.checkout("ord_a", "paid", at=0.0, elapsed_s=2.0).email = "ann@example.com"
    run.checkout("ord_b", "paid", at=0.5, elapsed_s=2.0).email = "ann@example.com"   # one customer, two orders
    run.ledgers["primary"]["customers"] = [{"id": "cus_ann", "email": "ann@example.com"}]
    charges = [untagged_charge(run) for _ in range(3)]
    for charge in charges:
        charge["customer"] = "cus_ann"
    a_answer = run.checkouts[0]
    a_answer.body = json.dumps({"payment": charges[0]["payment_intent"]})
    [found] = [f for f in by_rule(score(run.observations()), "integrity.no_double_charge")
               if f.severity == Severity.CRITICAL]
    assert "charged 3 time(s) for 2 order(s)" in found.message
    assert found.evidence["order_ids"] == ["ord_a", "ord_b"]
