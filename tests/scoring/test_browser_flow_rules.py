"""Scoring for the browser flows (docs/flows/): fulfilment on the webhook, abandoned 3-D Secure, the
browser's own calls kept apart from the merchant's, and a customer who left the challenge."""

from __future__ import annotations

from paychaos.common.call_kinds import BROWSER_RETURN_PATH
from paychaos.observations import Shop
from paychaos.scoring import orders
from paychaos.scoring.rules.browser_flows import abandoned_3ds_uncharged, fulfilled_on_webhook
from paychaos.scoring.rules.prompt import message_fits
from paychaos.scoring.testing import Run

REDIRECT = Shop(flow="redirect")


def paid_and_fulfilled(run: Run, order_id: str = "o1") -> dict:
    charge = run.charge(order_id)
    run.checkout(order_id, "paid")
    run.state(order_id, "paid", fulfilled=1)
    return charge


def test_fulfilled_with_no_payment_webhook_is_major_in_a_browser_flow():
    run = Run(shop=REDIRECT)
    paid_and_fulfilled(run)
    [finding] = fulfilled_on_webhook(run.observations())
    assert finding.severity == "major" and finding.evidence["order_ids"] == ["o1"]


def test_fulfilled_after_the_merchant_acknowledged_the_payment_webhook_is_fine():
    run = Run(shop=REDIRECT)
    charge = paid_and_fulfilled(run)
    run.webhook(charge["payment_intent"], "payment_intent.succeeded")
    assert fulfilled_on_webhook(run.observations()) == []


def test_a_delivery_the_proxy_dropped_is_no_acknowledgement():
    run = Run(shop=REDIRECT)
    charge = paid_and_fulfilled(run)
    dropped = run.webhook(charge["payment_intent"], "payment_intent.succeeded", faults=["webhook_drop"])
    dropped["upstream_status"] = None   # the proxy answered the gateway; the merchant never saw it
    assert len(fulfilled_on_webhook(run.observations())) == 1


def test_the_server_flow_is_not_judged_on_webhooks():
    run = Run()
    paid_and_fulfilled(run)
    assert fulfilled_on_webhook(run.observations()) is None


def test_money_kept_for_an_abandoned_challenge_is_critical():
    run = Run(actions=["three_ds_abandon"], shop=REDIRECT)
    run.charge("o1")
    run.checkout("o1", "pending", action="three_ds_abandon", expected="requires_action")
    run.state("o1", "pending")
    [finding] = abandoned_3ds_uncharged(run.observations())
    assert finding.severity == "critical"
    clean = Run(actions=["three_ds_abandon"], shop=REDIRECT)
    clean.intent("o1", status="requires_action")
    clean.checkout("o1", "pending", action="three_ds_abandon", expected="requires_action")
    assert abandoned_3ds_uncharged(clean.observations()) == []


def test_the_browsers_confirm_is_not_one_of_the_merchants_exchanges():
    run = Run(shop=Shop(flow="client_secret"))
    run.exchange("o1", 200, confirm=False)                        # the merchant creates the intent
    browser = run.exchange("o1", 200, at=0.5, path="/v1/payment_intents/pi_o1/confirm", key=None)
    browser["request"]["return_url"] = "http://127.0.0.1:5000" + BROWSER_RETURN_PATH
    run.charge("o1")
    run.checkout("o1", "paid")
    order = orders.build(run.observations()).orders["o1"]
    assert [r["id"] for r in order.browser] == [browser["id"]]
    assert browser not in order.exchanges and not order.charge_attempts


def test_a_customer_who_left_the_challenge_is_owed_no_message():
    run = Run(actions=["three_ds_abandon"], shop=REDIRECT)
    run.intent("o1", status="requires_action")
    left = run.checkout("o1", "pending", action="three_ds_abandon", expected="requires_action", message="")
    left.raw_status = "three_ds_abandoned"
    assert message_fits(run.observations()) == []
    left.raw_status = "pending"
    assert message_fits(run.observations())   # the same silence from a merchant's answer is a finding
