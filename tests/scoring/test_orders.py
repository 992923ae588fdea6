"""The order view: ledger money and journal exchanges tied to orders by metadata, intent id or amount."""

from paychaos.scoring.orders import build
from paychaos.scoring.testing import Run


def test_money_and_exchanges_are_tied_by_metadata_intent_and_unique_amount():
    run = Run(backup=True)
    run.paid("ord_meta")
    run.exchange("ord_amount", 200, metadata=False)
    run.charge("ord_amount", metadata=False, gateway="backup")
    run.checkout("ord_amount", "paid")
    pi = run.charge("ord_pi")["payment_intent"]
    run.exchange(None, 200, method="GET", path=f"/v1/payment_intents/{pi}")
    run.checkout("ord_pi", "paid")
    book = build(run.observations())
    assert book.orders["ord_meta"].captured == run.amount("ord_meta")
    assert [c.gateway for c in book.orders["ord_amount"].charges] == ["backup"]
    assert len(book.orders["ord_amount"].exchanges) == 1
    assert [r["method"] for r in book.orders["ord_pi"].exchanges] == ["GET"]
    assert book.stray_charges == [] and book.stray_exchanges == [] and book.gateway_calls == 3


def test_shared_amounts_are_not_guessed():
    run = Run()
    run.amounts.update({"ord_a": 1500, "ord_b": 1500})
    run.checkout("ord_a", "paid")
    run.checkout("ord_b", "paid")
    run.charge(None, amount=1500, metadata=False)
    book = build(run.observations())
    assert book.orders["ord_a"].charges == [] and book.orders["ord_b"].charges == []
    assert [c.amount for c in book.stray_charges] == [1500]
