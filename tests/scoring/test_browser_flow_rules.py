"""Scoring for the browser flows (docs/flows/): fulfilment on the webhook, abandoned 3-D Secure, the
browser's own calls kept apart from the merchant's, a customer who left the challenge, expired Checkout
Sessions and Alipay / WeChat Pay money that settles after the customer is back."""

from __future__ import annotations

from paychaos.common.call_kinds import BROWSER_RETURN_PATH
from paychaos.observations import Shop
from paychaos.scoring import orders
from paychaos.scoring.inconclusive import assess
from paychaos.scoring.rules.browser_flows import (
    abandoned_3ds_uncharged,
    checkout_session_told,
    expired_checkout_closed,
    fulfilled_on_webhook,
    settled_before_fulfilment,
)
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


# -- expired Checkout Sessions and Alipay / WeChat Pay money that settles late ------------------------



def wallet_customer(run: Run, order_id: str, *, settled: bool, before: dict, after: str, told: str = "pending"):
    action = "async_settles" if settled else "async_fails"
    result = run.checkout(order_id, told, action=action,
                          expected="paid" if settled else "declined:payment_intent_payment_attempt_failed")
    result.sim.append("payment_settled" if settled else "payment_failed")
    result.order_before_settled = before
    if settled:
        run.charge(order_id)
    else:
        run.intent(order_id)
    run.state(order_id, after, fulfilled=1 if after == "paid" else 0)
    return result


def test_an_order_fulfilled_before_the_wallets_money_settled_is_critical():
    run = Run(actions=["async_settles"], shop=REDIRECT)
    wallet_customer(run, "o1", settled=True, before={"status": "paid", "fulfilled": 1}, after="paid")
    wallet_customer(run, "o2", settled=True, before={"status": "pending", "fulfilled": 0}, after="paid")
    [finding] = settled_before_fulfilment(run.observations())
    assert finding.severity == "critical" and finding.evidence["order_ids"] == ["o1"]


def test_an_order_left_pending_after_the_wallet_failed_is_major():
    run = Run(actions=["async_fails"], shop=REDIRECT)
    wallet_customer(run, "o1", settled=False, before={"status": "pending"}, after="pending")
    wallet_customer(run, "o2", settled=False, before={"status": "pending"}, after="failed")
    [finding] = settled_before_fulfilment(run.observations())
    assert finding.severity == "major" and finding.evidence["order_ids"] == ["o1"]


def test_told_paid_before_the_money_settled_is_major():
    run = Run(actions=["async_settles"], shop=REDIRECT)
    wallet_customer(run, "o1", settled=True, before={"status": "pending"}, after="paid", told="paid")
    [finding] = checkout_session_told(run.observations())
    assert finding.severity == "major" and finding.evidence["order_ids"] == ["o1"]


def expired_customer(run: Run, order_id: str, *, action: str, told: str | None, after: str):
    result = run.checkout(order_id, told, action=action, expected="expired")
    result.sim.append("session_expired")
    run.state(order_id, after)
    return result


def test_an_expired_session_must_close_its_order_and_tell_the_late_customer():
    run = Run(actions=["leave_page", "pay_late"], shop=REDIRECT)
    expired_customer(run, "o1", action="leave_page", told="pending", after="pending")
    expired_customer(run, "o2", action="pay_late", told="pending", after="pending")
    expired_customer(run, "o3", action="pay_late", told="failed", after="canceled")
    [closed] = expired_checkout_closed(run.observations())
    assert closed.severity == "major" and closed.evidence["order_ids"] == ["o1", "o2"]
    [told] = checkout_session_told(run.observations())
    assert told.evidence["order_ids"] == ["o2"]   # the one who left was told nothing; o3 was told the truth


def test_money_for_an_expired_session_is_critical():
    run = Run(actions=["leave_page"], shop=REDIRECT)
    expired_customer(run, "o1", action="leave_page", told="pending", after="canceled")
    run.charge("o1")
    [finding] = expired_checkout_closed(run.observations())
    assert finding.severity == "critical"


def test_the_rules_stand_aside_when_nothing_was_played():
    run = Run(actions=["async_settles", "pay_late"])
    run.paid("o1")
    obs = run.observations()
    assert settled_before_fulfilment(obs) is None and expired_checkout_closed(obs) is None
    assert checkout_session_told(obs) is None


def test_flow_bound_actions_nobody_could_play_are_inconclusive():
    server = Run(actions=["pay_late"])
    server.paid("o1")
    [reason] = [r for r in assess(server.observations()).reasons if "could play" in r]
    assert "checkout.flow is server" in reason and "redirect flow" in reason
    unoffered = Run(actions=["async_fails"], shop=REDIRECT)
    unoffered.paid("o1")
    unoffered.checkouts[0].raw_status = "wallet_not_offered"
    assert any("neither Alipay nor WeChat Pay" in r for r in assess(unoffered.observations()).reasons)
    played = Run(actions=["async_fails"], shop=REDIRECT)
    wallet_customer(played, "o1", settled=False, before={"status": "pending"}, after="failed")
    assert not any("could play" in r for r in assess(played.observations()).reasons)


def test_the_qr_flow_is_not_judged_on_webhooks():
    # nothing of the customer's reaches a QR shop: it may fulfil on its own query of the wallet
    run = Run(shop=Shop(flow="qr"))
    paid_and_fulfilled(run)
    assert fulfilled_on_webhook(run.observations()) is None
