"""The driver's customers and payments, and what it records when the merchant never answers."""

from __future__ import annotations

import datetime
import socket
import threading
from dataclasses import replace

import pytest

from simulator.common.masking import luhn_ok
from simulator.driver import Driver, allocate, payment_for, plan_customers
from simulator.scenario.model import Action, Cause, Customers, Scenario
from simulator.target import Call, Outcome, Target


def scenario(**customers) -> Scenario:
    spec = Customers(count=8, locale="en_US", locales={"en_US": 0.5, "zh_CN": 0.5},
                     cards={"pm_card_visa": 0.75, "pm_card_visa_chargeDeclinedInsufficientFunds": 0.25},
                     amount_min=1000, amount_max=1010)
    return Scenario(name="mix", cause=Cause.HEALTHY, description="", customers=replace(spec, **customers),
                    actions=[Action.CHECKOUT, Action.DOUBLE_SUBMIT], seed=42)


def test_allocate_follows_the_shares():
    assert sorted(allocate({"a": 0.75, "b": 0.25}, 8)) == ["a"] * 6 + ["b"] * 2
    assert len(allocate({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, 4)) == 4


def test_customers_are_reproducible_mixed_and_have_unique_amounts():
    first, again = plan_customers(scenario(), "run1"), plan_customers(scenario(), "run1")
    assert [(c.name, c.amount, c.token) for c in first] == [(c.name, c.amount, c.token) for c in again]
    assert len({c.amount for c in first}) == 8 and all(1000 <= c.amount <= 1010 for c in first)
    assert sorted(c.locale for c in first) == ["en_US"] * 4 + ["zh_CN"] * 4
    assert [c.token for c in first].count("pm_card_visa_chargeDeclinedInsufficientFunds") == 2
    assert [c.action for c in first].count(Action.DOUBLE_SUBMIT) == 4
    assert len({c.order_id for c in first}) == 8 and all(c.order_id.startswith("mix-run1-") for c in first)
    chinese = [c.name for c in first if c.locale == "zh_CN"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in chinese), chinese
    other_seed = plan_customers(replace(scenario(), seed=43), "run1")
    assert [c.amount for c in other_seed] != [c.amount for c in first]


def test_payments_per_action_and_what_the_customer_should_get():
    today = datetime.date(2030, 6, 1)
    base = plan_customers(scenario(cards={"pm_card_visa": 1.0}), "t")[0]
    plain = payment_for(base, today)
    assert (plain.token, plain.number, plain.expected, plain.exp_year) == ("pm_card_visa", "4242424242424242",
                                                                           "paid", 2033)
    typo = payment_for(replace(base, action=Action.TYPO_CARD), today)
    assert typo.token is None and not luhn_ok(typo.number) and typo.expected == "invalid:incorrect_number"
    assert typo.shown() == "424242******4243"
    expired = payment_for(replace(base, action=Action.EXPIRED_CARD), today)
    assert expired.exp_year == 2029 and expired.expected == "invalid:invalid_expiry_year"
    cvc = payment_for(replace(base, action=Action.WRONG_CVC), today)
    assert len(cvc.cvc) == 1 and cvc.expected == "invalid:invalid_cvc"
    declined = payment_for(replace(base, token="pm_card_visa_chargeDeclinedInsufficientFunds"), today)
    assert declined.expected == "declined:insufficient_funds"


@pytest.fixture
def silent_merchant():
    """A real TCP server that accepts checkouts and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_the_customers_own_timeout_is_recorded_as_timeout(silent_merchant):
    target = Target(name="silent", base_url=silent_merchant,
                    checkout=Call("POST", "/checkout", {"order_id": "{order.id}", "card": "{card.number}"}),
                    outcome=Outcome(status="$.status"))
    seen = []
    driver = Driver(target, silent_merchant, {}, on_result=seen.append)
    sc = replace(scenario(count=2, timeout_s=0.5, concurrency=2), actions=[Action.TYPO_CARD])
    results = driver.drive(sc, plan_customers(sc, "t"))
    assert [r.error for r in results] == ["timeout", "timeout"]
    assert sorted(seen, key=lambda r: r.order_id) == sorted(results, key=lambda r: r.order_id)
    for r in results:
        assert r.status is None and r.http_status is None and 0.4 <= r.elapsed_s < 3
        assert r.payment.count("*") == 6 and r.expected == "invalid:incorrect_number"
