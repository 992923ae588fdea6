"""`/_sim/ledger` of the fake Alipay, in the shape the Stripe fake serves (docs/ARCHITECTURE.md), so
the integrity rules read money the same way whatever the dialect: each trade is a `payment_intents`
row (id = trade_no, currency cny, amounts in fen, metadata = out_trade_no and passback_params' pairs),
each paid trade one captured `charges` row, each refund a `refunds` row. `alipay` adds the raw trades.
"""

from __future__ import annotations

from paychaos.gateway.alipay.trades import yuan
from paychaos.gateway.money import MoneyBook

STATUS = {"WAIT_BUYER_PAY": "requires_action", "TRADE_SUCCESS": "succeeded", "TRADE_FINISHED": "succeeded",
          "TRADE_CLOSED": "canceled"}


def build(gw) -> dict:
    trades = gw.trades
    intents, charges, refunds = [], [], []
    money = MoneyBook()
    raw = []
    for trade_no in trades.order:
        t = trades.by_no.get(trade_no)
        if t is None:
            continue
        meta = t.metadata()
        paid = t.paid_at is not None
        captured = t.fen if paid else 0
        created = int(t.created)
        status = "succeeded" if paid else STATUS[t.status]
        intents.append({"id": t.trade_no, "amount": t.fen, "currency": "cny", "status": status,
                        "capture_method": "automatic", "payment_method": t.buyer or None, "metadata": meta,
                        "amount_received": captured, "amount_capturable": 0,
                        "latest_charge": f"ali_ch_{t.trade_no}" if paid else None, "customer": None,
                        "receipt_email": None, "created": created})
        money.intent(t.trade_no, "cny", meta)
        if paid:   # only a paid trade is refunded
            money.charge(captured, t.refunded, "cny", t.trade_no, meta)
            charge_id = f"ali_ch_{t.trade_no}"
            charges.append({"id": charge_id, "payment_intent": t.trade_no, "amount": t.fen,
                            "amount_captured": captured, "amount_refunded": t.refunded, "captured": True,
                            "refunded": t.refunded >= t.fen, "paid": True, "status": "succeeded", "metadata": meta,
                            "customer": None, "receipt_email": None, "created": int(t.paid_at)})
            for r in t.refunds.values():
                refunds.append({"id": r["id"], "charge": charge_id, "payment_intent": t.trade_no, "amount": r["fen"],
                                "status": "succeeded", "created": int(r["created"])})
        raw.append({"trade_no": t.trade_no, "out_trade_no": t.out_trade_no, "trade_status": t.status,
                    "total_amount": yuan(t.fen), "refund_fee": yuan(t.refunded), "method": t.method,
                    "buyer": t.buyer, "passback_params": t.passback,
                    "refunds": [{"out_request_no": r["out_request_no"], "refund_amount": yuan(r["fen"])}
                                for r in t.refunds.values()]})
    return {
        "dialect": "alipay",
        "payment_intents": intents, "charges": charges, "refunds": refunds, "customers": [],
        "checkout_sessions": [],
        "money": money.to_dict(),
        "idempotency": {"count": 0, "records": []},
        "requests": {"total": gw.requests_total, "api": gw.requests_api, "hosted": gw.requests_hosted,
                     "by_endpoint": dict(trades.requests_by_method)},
        "webhooks": gw.notifier.stats(),
        "alipay": {"app_id": gw.keys.app_id, "trades": raw},
    }
