"""Scoring of the QR flow's own failure causes (docs/flows/qr.md): customers who scan and walk away
(`qr_walk_away`) or pay after the code's time ran out (`qr_pay_late`)."""

from __future__ import annotations

from paychaos.observations import Shop
from paychaos.scoring.inconclusive import assess
from paychaos.scoring.rules.qr_flow import qr_expired_closed, qr_expiry_told
from paychaos.scoring.testing import Run

QR = Shop(flow="qr", languages=("zh",))
TOLD_EXPIRED = "二维码已过期，订单已取消，没有扣款。请重试下单，获取新的二维码。"


def walked(run: Run, order_id: str, *, action: str = "qr_walk_away", told: str = "failed", after: str = "canceled",
           sim: tuple[str, ...] = ("qr_expired", "qr_order_over"), message: str | None = TOLD_EXPIRED):
    result = run.checkout(order_id, told, action=action, expected="expired", locale="zh_CN", message=message,
                          alternatives=[])
    result.sim.extend(["qr_shown", "qr_walked_away", *sim])
    run.state(order_id, after)
    return result


def test_a_shop_that_closes_and_says_so_has_no_finding():
    run = Run(actions=["qr_walk_away", "qr_pay_late"], shop=QR)
    walked(run, "o1")
    walked(run, "o2", action="qr_pay_late", sim=("qr_expired", "qr_order_over", "qr_late_refused"))
    run.intent("o1", status="canceled")
    obs = run.observations()
    assert qr_expired_closed(obs) == [] and qr_expiry_told(obs) == []
    assert not any("QR" in r for r in assess(obs).reasons)


def test_money_a_late_scan_brought_to_an_order_the_shop_gave_up_is_critical():
    run = Run(actions=["qr_pay_late"], shop=QR)
    walked(run, "o1", action="qr_pay_late", sim=("qr_order_over", "qr_paid_late"))
    run.charge("o1")
    [finding] = qr_expired_closed(run.observations())
    assert finding.severity == "critical" and finding.evidence["order_ids"] == ["o1"]
    assert "close the code at the gateway" in finding.message


def test_a_late_payment_honoured_or_refunded_is_fine():
    run = Run(actions=["qr_pay_late"], shop=QR)
    walked(run, "o1", action="qr_pay_late", sim=("qr_order_over", "qr_paid_late"), told="paid", after="paid")
    run.charge("o1")
    walked(run, "o2", action="qr_pay_late", sim=("qr_order_over", "qr_paid_late"), after="refunded")
    charge = run.charge("o2")
    charge["amount_refunded"] = charge["amount"]
    assert qr_expired_closed(run.observations()) == []


def test_a_code_left_payable_after_the_shop_gave_up_is_major():
    run = Run(actions=["qr_walk_away"], shop=QR)
    walked(run, "o1", sim=("qr_order_over",))
    run.intent("o1", status="requires_payment_method")   # WeChat Pay NOTPAY: still payable
    [finding] = qr_expired_closed(run.observations())
    assert finding.severity == "major" and finding.evidence["order_ids"] == ["o1"]


def test_pending_after_the_code_expired_is_major_and_the_customer_still_waits():
    run = Run(actions=["qr_walk_away"], shop=QR)
    walked(run, "o1", told="pending", after="pending", sim=("qr_expired",), message="等待您扫码付款……")
    [closed] = qr_expired_closed(run.observations())
    assert closed.severity == "major" and "still pending" in closed.message
    [told] = qr_expiry_told(run.observations())
    assert told.severity == "major" and told.evidence["order_ids"] == ["o1"]


def test_a_customer_not_told_the_code_expired_or_offered_a_new_one_is_minor():
    run = Run(actions=["qr_walk_away"], shop=QR)
    walked(run, "o1", message="订单已取消。")
    walked(run, "o2", message="二维码已过期。")
    [finding] = qr_expiry_told(run.observations())
    assert finding.severity == "minor" and finding.evidence["order_ids"] == ["o1", "o2"]
    missing = {e["order_id"]: e["missing"] for e in finding.evidence["examples"]}
    assert missing == {"o1": ["expired", "try_again"], "o2": ["try_again"]}


def test_the_rules_stand_aside_when_no_customer_walked_away():
    run = Run(actions=["qr_walk_away"], shop=QR)
    run.paid("o1")
    obs = run.observations()
    assert qr_expired_closed(obs) is None and qr_expiry_told(obs) is None


def test_nothing_ran_out_is_inconclusive():
    run = Run(actions=["qr_walk_away"], shop=QR)
    walked(run, "o1", told="pending", after="pending", sim=())
    reasons = assess(run.observations()).reasons
    assert any("no QR code ran out" in r for r in reasons), reasons


def test_qr_actions_in_another_flow_are_inconclusive():
    run = Run(actions=["qr_walk_away"], shop=Shop(flow="server"))
    run.paid("o1")
    reasons = assess(run.observations()).reasons
    assert any("qr_walk_away" in r and "qr flow" in r for r in reasons), reasons
