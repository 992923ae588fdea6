"""retry, for a customer who pays again for an order whose Alipay trade was closed (action
`pay_again_after_close`, flow redirect: docs/flows/redirect.md). Alipay never reopens a closed
out_trade_no: paying it again answers ACQ.TRADE_HAS_CLOSE, on the cashier as to any call. The shop's
second try must be a new trade (a new out_trade_no, or another gateway); one that sends the customer to
the closed trade again leaves them on Alipay's error page, and they can never pay.

(The same out_trade_no is right for a retry of a trade whose fate is unknown: `retry.idempotency_key`;
this rule is its other half, for a trade known to be closed.)
"""

from __future__ import annotations

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scenario.model import Action
from paychaos.scoring.evidence import capped, redact
from paychaos.scoring.registry import RuleSpec, rule

REOPENED = RuleSpec("retry.closed_trade_not_reused", Dimension.RETRY)

TRADE_CLOSED = "trade_closed"                      # CheckoutResult.sim (paychaos.driver.redirect)
CLOSED_TRADE_REOPENED = "closed_trade_reopened"    # the shop's cashier URL named the closed out_trade_no


@rule(REOPENED)
def closed_trade_not_reused(obs: Observations):
    """A customer who pays again for an order whose Alipay trade was closed is sent to a new trade: Alipay
    refuses a closed out_trade_no (ACQ.TRADE_HAS_CLOSE) and the customer could never pay."""
    again = [c for c in obs.checkouts
             if c.action == str(Action.PAY_AGAIN_AFTER_CLOSE) and c.step == "checkout#2"]
    if not again:
        return None   # nobody paid again after a close: nothing to judge (inconclusive.actions_not_played)
    stuck = [{"order_id": c.order_id, "status": c.status, "raw_status": c.raw_status,
              "message": redact(c.message)} for c in again if CLOSED_TRADE_REOPENED in c.sim]
    if not stuck:
        return []
    return [REOPENED.finding(
        Severity.MAJOR, f"{len(stuck)} customer(s) paying again for an order whose Alipay trade was closed "
        "were sent to that closed trade (the same out_trade_no): Alipay answered ACQ.TRADE_HAS_CLOSE and they "
        "could not pay; give the new try a new out_trade_no (close the old trade first if it may still be "
        "open), and tie both to the order", order_ids=capped(sorted({s["order_id"] for s in stuck})),
        examples=capped(stuck, 5))]
