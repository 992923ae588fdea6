"""The Locust users' checkout request and reading, from the target spec as it travels to them (JSON)."""

from __future__ import annotations

import json

from paychaos.driver import Driver, payment_for, plan_customers
from paychaos.load import checkout_request
from paychaos.merchant_request import build, read_outcome
from paychaos.scenario.model import Action, Cause, Customers, Scenario
from paychaos.target import Answer, load_target

TARGET = """\
name: own-words
base_url: "http://127.0.0.1:{port}"
start: {command: ["{python}", "-m", "shop", "--port", "{port}"]}
checkout:
  path: /checkout
  form:
    order: "{order.id}"
    amount: "{order.amount}"
    payment_method: "{payment.token}"
    card: {number: "{card.number}", cvc: "{card.cvc}"}
  outcome:
    status: header.Location
    paid: ["/orders/*"]
    message: header.X-Note
    order_id: "$.id"
"""


def test_the_spec_survives_json_and_gives_the_drivers_request_and_reading(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TARGET, encoding="utf-8")
    target = load_target(str(path))
    spec = json.loads(json.dumps(checkout_request.spec_of(target)))  # as the Locust config carries it
    sc = Scenario(name="s", cause=Cause.HEALTHY, description="", seed=7, actions=[Action.TYPO_CARD],
                  customers=Customers(count=1, locale="en_US", locales={"en_US": 1.0}, cards={"pm_card_visa": 1.0}))
    customer = plan_customers(sc, "t")[0]
    values = Driver(target, "http://127.0.0.1:1", {}).values(customer, payment_for(customer))
    locust_req = checkout_request.request(spec, values)
    assert locust_req == build(target.checkout, values, file=target.path)
    assert locust_req.headers == {"Content-Type": "application/x-www-form-urlencoded"}
    assert b"payment_method" not in locust_req.body  # a raw-card payment: the null token is left out
    assert b"card%5Bnumber%5D=424242" in locust_req.body

    answer = Answer(303, {"location": "/orders/A-7", "x-note": "Payment received."}, {"id": "A-7"})
    reading = checkout_request.outcome(spec, 303, answer.headers, answer.body)
    assert reading == read_outcome(target.outcome, answer)
    assert (reading.status, reading.raw_status, reading.order_id, reading.message) == \
        ("paid", "/orders/A-7", "A-7", "Payment received.")
    assert reading.headers == {"Location": "/orders/A-7", "X-Note": "Payment received."}
