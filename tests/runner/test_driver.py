"""The driver's customers and payments, and what it records when the merchant never answers."""

from __future__ import annotations

import datetime
import socket
import threading
from dataclasses import replace

import pytest

from paychaos.common.masking import luhn_ok
from paychaos.driver import Driver, allocate, payment_for, plan_customers
from paychaos.load import checkout_request
from paychaos.scenario.model import Action, Cause, Customers, Scenario
from paychaos.target import Call, Outcome, Target, load_target


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


# -- a merchant with its own vocabulary ---------------------------------------------------------

@pytest.fixture
def shop(tmp_path):
    from tests.runner.own_shop import own_shop, target_text

    with own_shop() as running:
        path = tmp_path / "own-shop.yaml"
        path.write_text(target_text(running.url), encoding="utf-8")
        running.target = load_target(str(path))
        yield running


def test_the_driver_reads_the_merchants_own_ids_words_redirect_and_counter(shop):
    target = shop.target
    seen = []
    driver = Driver(target, shop.url, {}, on_result=seen.append)
    sc = replace(scenario(count=4, concurrency=1), actions=[Action.CANCEL_AFTER_PAY, Action.CHECKOUT])
    customers = plan_customers(sc, "t", target.shop.languages)
    results = driver.drive(sc, customers)

    checkouts = [r for r in results if r.step == "checkout"]
    assert len(checkouts) == 4 and all(r.http_status == 303 for r in checkouts)  # the redirect is the answer
    assert sorted(r.merchant_order_id for r in checkouts) == ["A-1001", "A-1002", "A-1003", "A-1004"]
    for r in checkouts:
        assert r.headers["Location"] == f"/orders/{r.merchant_order_id}"
        assert r.headers["Content-Type"] == "application/json"
    paid = [r for r in checkouts if r.status == "paid"]
    declined = [r for r in checkouts if r.status == "failed"]
    assert paid and declined and len(paid) + len(declined) == 4
    assert {r.raw_status for r in paid} == {"complete"} and {r.raw_status for r in declined} == {"declined"}
    assert {r.message for r in declined} == {"Your card was declined. Please try a different card."}

    cancels = [r for r in results if r.step == "cancel"]
    assert cancels and {(r.status, r.raw_status) for r in cancels} == {("canceled", "cancelled")}
    first_of = {r.order_id: r.merchant_order_id for r in checkouts}
    assert all(r.merchant_order_id == first_of[r.order_id] for r in cancels)
    assert {s.path for s in shop.requests if s.path.endswith("/cancel")} == \
        {f"/orders/{r.merchant_order_id}/cancel" for r in cancels}

    states = {c.order_id: driver.order_status(c.order_id) for c in customers}
    for r in checkouts:
        state = states[r.order_id]
        assert state["http_status"] == 200
        shipped = int(r.status == "paid")
        if any(c.order_id == r.order_id for c in cancels):
            assert (state["status"], state["raw_status"], state["fulfilled"]) == ("canceled", "cancelled", shipped)
        elif r.status == "failed":
            assert (state["status"], state["raw_status"], state["fulfilled"]) == ("failed", "declined", 0)
        else:
            assert (state["status"], state["raw_status"], state["fulfilled"]) == ("paid", "complete", 1)
    assert sorted(seen, key=id) == sorted(results, key=id)


def test_a_form_post_sends_the_customer_in_the_shops_languages_only(shop):
    driver = Driver(shop.target, shop.url, {})
    sc = replace(scenario(count=6, concurrency=1, cards={"pm_card_visa": 1.0}),  # half zh_CN: the shop serves en
                 actions=[Action.CHECKOUT])
    driver.drive(sc, plan_customers(sc, "t", shop.target.shop.languages))
    posts = [s for s in shop.requests if s.path == "/checkout"]
    assert len(posts) == 6 and {s.content_type for s in posts} == {"application/x-www-form-urlencoded"}
    forms = [order["form"] for order in shop.orders.values()]
    assert {f["locale"] for f in forms} == {"en_US"}
    assert all(f["card[number]"] == "4242424242424242" and f["payment_method"] == "pm_card_visa" for f in forms)


def test_order_status_without_a_merchant_order_id_asks_nothing(shop):
    driver = Driver(shop.target, shop.url, {})
    assert driver.order_status("never-checked-out") == {"status": None, "error": "no_merchant_order_id"}
    assert shop.requests == []


def test_status_from_the_location_header_or_the_http_status(shop, tmp_path):
    from tests.runner.own_shop import target_text

    words = 'status: "$.state"\n    paid: [complete]\n    pending: [processing]'
    by_location = target_text(shop.url).replace(words, 'status: header.Location\n    paid: ["/orders/*"]', 1)
    by_code = target_text(shop.url).replace(words, "status: http_status\n    paid: [303]", 1)
    for text in (by_location, by_code):
        assert text != target_text(shop.url)
        path = tmp_path / "t.yaml"
        path.write_text(text, encoding="utf-8")
        target = load_target(str(path))
        sc = scenario(count=1, cards={"pm_card_visa": 1.0})
        [result] = Driver(target, shop.url, {}).drive(sc, plan_customers(sc, "t", ("en",)))
        assert result.status == "paid" and result.http_status == 303, result


def test_the_locust_users_and_the_driver_send_the_same_request(shop, tmp_path):
    """One builder: for the same customer values, Locust's request is byte for byte the driver's."""
    from tests.runner.own_shop import target_text

    json_text = target_text(shop.url).replace("  form:\n", "  json:\n", 1)
    for text in (target_text(shop.url), json_text):
        path = tmp_path / "t.yaml"
        path.write_text(text, encoding="utf-8")
        target = load_target(str(path))
        driver = Driver(target, shop.url, {})
        sc = scenario(count=1, cards={"pm_card_visa": 1.0})
        customer = plan_customers(sc, "t", ("en",))[0]
        payment = payment_for(customer)
        shop.requests.clear()
        driver.checkout(customer, payment, timeout_s=5)
        [sent] = shop.requests
        req = checkout_request.request(checkout_request.spec_of(target), driver.values(customer, payment))
        assert (req.method, req.path, req.headers["Content-Type"], req.body) == \
            (sent.method, sent.path, sent.content_type, sent.body)
    assert sent.content_type == "application/json" and b'"card": {"number": "4242424242424242"' in sent.body


def test_customers_come_from_the_languages_the_shop_serves():
    sc = scenario(count=8, locales={"en_US": 0.5, "zh_CN": 0.25, "en_GB": 0.25})
    english = plan_customers(sc, "t", ("en",))
    assert sorted(c.locale for c in english) == ["en_GB"] * 3 + ["en_US"] * 5  # 0.25 of zh_CN shared 2:1
    assert [c.name for c in english] == [c.name for c in plan_customers(sc, "t", ("en",))]
    assert sorted(c.locale for c in plan_customers(sc, "t", ("en", "zh"))) == \
        sorted(c.locale for c in plan_customers(sc, "t"))
    assert {c.locale for c in plan_customers(sc, "t", ("de",))} == {"en_US"}
    assert {c.locale for c in plan_customers(scenario(), "t", ("zh",))} == {"zh_CN"}


def test_a_huge_merchant_message_is_kept_masked_and_cut_saying_so():
    from paychaos.merchant_request import MESSAGE_LIMIT, shown_text
    huge = "Card 4242424242424242 declined. " + "x" * 20_000_000
    kept = shown_text(huge)
    assert len(kept) < MESSAGE_LIMIT + 60 and kept.endswith("[cut: 20,000,032 characters in all]")
    assert "4242424242424242" not in kept and "424242******4242" in kept
    assert shown_text("Your card was declined.") == "Your card was declined."


def test_order_ids_never_read_as_card_numbers():
    """A tag of digits alone ("100049") after a scenario name ending in digits made "403-100049-002", which
    the card-number check counts: a made-up leak wherever a shop echoes the order id."""
    from paychaos.common.masking import count_pans
    from paychaos.driver import new_run_tag

    assert count_pans("merchant-account-403-100049-002") == 1   # what a digits-only tag could give
    tag = new_run_tag()
    assert tag[0].isalpha() and len(tag) == 6
    scenario = Scenario(name="merchant-account-403", cause=Cause.MERCHANT_ACCOUNT, description="x",
                        customers=Customers(count=4))
    assert not any(count_pans(c.order_id) for c in plan_customers(scenario, "r00049"))
    assert not any(count_pans(c.order_id) for c in plan_customers(scenario, tag))
