"""retry.closed_trade_not_reused: a customer paying again for an order whose Alipay trade was closed
(action `pay_again_after_close`, flow redirect) is sent to a new trade, never the closed out_trade_no."""

from __future__ import annotations

from paychaos.observations import Shop
from paychaos.scoring.inconclusive import assess
from paychaos.scoring.rules.closed_trade import closed_trade_not_reused
from paychaos.scoring.rules.prompt import status_right
from paychaos.scoring.testing import Run

WAP = Shop(flow="redirect", languages=("zh",), paid_message=True)
ACTION = "pay_again_after_close"
LEFT = "支付宝付款没有完成，没有扣款。您可以重新支付，或改用银行转账。"


def left_then_again(run: Run, order_id: str, *, told: str = "paid", reopened: bool = False):
    first = run.checkout(order_id, "failed", action=ACTION, expected="expired", locale="zh_CN", message=LEFT)
    first.sim.extend(["cashier_left", "trade_closed"])
    again = run.checkout(order_id, told, action=ACTION, step="checkout#2", locale="zh_CN", at=1.0,
                         message="ACQ.TRADE_HAS_CLOSE: 交易已经关闭" if reopened else None)
    if reopened:
        again.sim.append("closed_trade_reopened")
    return first, again


def test_a_new_trade_for_the_second_try_is_no_finding():
    run = Run(cause="transaction_anomaly", actions=[ACTION], shop=WAP)
    left_then_again(run, "o1")
    run.charge("o1")
    run.state("o1", "paid")
    obs = run.observations()
    assert closed_trade_not_reused(obs) == []
    # "failed" on the first try was true: that trade was closed unpaid; the money is the second try's
    assert status_right(obs) == []
    assert not any(ACTION in r for r in assess(obs).reasons)


def test_sending_the_customer_to_the_closed_trade_is_major():
    run = Run(cause="transaction_anomaly", actions=[ACTION], shop=WAP)
    left_then_again(run, "o1", told="failed", reopened=True)
    left_then_again(run, "o2")
    run.charge("o2")
    [finding] = closed_trade_not_reused(run.observations())
    assert finding.severity == "major" and finding.evidence["order_ids"] == ["o1"]
    assert "ACQ.TRADE_HAS_CLOSE" in finding.message and "new out_trade_no" in finding.message


def test_nobody_paid_again_the_rule_stands_aside_and_the_run_is_inconclusive():
    run = Run(cause="transaction_anomaly", actions=[ACTION], shop=WAP)
    run.checkout("o1", "paid", action=ACTION, expected="expired", locale="zh_CN")   # no cashier, nothing closed
    obs = run.observations()
    assert closed_trade_not_reused(obs) is None
    [reason] = [r for r in assess(obs).reasons if ACTION in r]
    assert "Alipay" in reason and "nothing the scenario is about happened" in reason


def test_a_server_flow_shop_is_inconclusive_not_judged():
    run = Run(cause="transaction_anomaly", actions=[ACTION], shop=Shop(flow="server", languages=("zh",)))
    run.checkout("o1", "failed", action=ACTION, locale="zh_CN")
    obs = run.observations()
    assert closed_trade_not_reused(obs) is None
    assert any("checkout.flow is server" in r for r in assess(obs).reasons)


def test_a_failed_answer_on_a_trade_not_known_closed_still_counts_against_money():
    run = Run(cause="transaction_anomaly", actions=[ACTION], shop=WAP)
    first = run.checkout("o1", "failed", action=ACTION, expected="expired", locale="zh_CN", message=LEFT)
    first.sim.append("cashier_left")   # the gateway did not say the trade closed
    run.charge("o1")
    [finding] = [f for f in status_right(run.observations()) if f.severity == "critical"]
    assert finding.evidence["order_ids"] == ["o1"]
