"""`/_sim/ledger` of the WeChat Pay gateway, in the shape every paychaos gateway shares
(docs/ARCHITECTURE.md), so the integrity rules read WeChat Pay money as they read Stripe's:

- each transaction (out_trade_no) is a `payment_intents` row: id the out_trade_no, status `succeeded`
  once paid (SUCCESS or REFUND), `canceled` when CLOSED, `requires_payment_method` otherwise (NOTPAY,
  PAYERROR); metadata {"order_id": attach or out_trade_no, "out_trade_no", "trade_type", "trade_state"}
  (a shop that puts its order id in `attach` has its retries under new out_trade_no grouped by order),
- each paid transaction a `charges` row: id the transaction_id, amount_captured the total,
- each refund a `refunds` row: id the refund_id, charge the transaction_id,
- `money` sums them as every gateway does (gateway/money.py: captured, refunded, net; by intent; by metadata).
"""

from __future__ import annotations

from collections import defaultdict

from paychaos.gateway.money import MoneyBook

_PI_STATUS = {"SUCCESS": "succeeded", "REFUND": "succeeded", "CLOSED": "canceled"}


def order_id_of(trade: dict) -> str:
    return trade["attach"] or trade["out_trade_no"]


def build(gw) -> dict:
    st = gw.state
    intents, charges, refunds = [], [], []
    refunded_by_txn: dict[str, int] = defaultdict(int)
    for rec in st.refunds.values():
        if rec["status"] == "SUCCESS":
            refunded_by_txn[rec["transaction_id"]] += rec["amount"]["refund"]
        refunds.append({"id": rec["refund_id"], "charge": rec["transaction_id"], "payment_intent": rec["out_trade_no"],
                        "amount": rec["amount"]["refund"], "status": "succeeded" if rec["status"] == "SUCCESS"
                        else rec["status"].lower(), "created": int(rec["_created"])})
    money = MoneyBook()
    for trade in st.trades.values():
        otn, total, cur = trade["out_trade_no"], trade["amount"]["total"], trade["amount"]["currency"].lower()
        paid = trade["transaction_id"] is not None
        meta = {"order_id": order_id_of(trade), "out_trade_no": otn, "trade_type": trade["trade_type"],
                "trade_state": trade["trade_state"]}
        captured = total if paid else 0
        refunded = refunded_by_txn.get(trade["transaction_id"], 0) if paid else 0
        intents.append({"id": otn, "amount": total, "currency": cur,
                        "status": _PI_STATUS.get(trade["trade_state"], "requires_payment_method"),
                        "capture_method": "automatic", "payment_method": "wechat_pay", "metadata": meta,
                        "amount_received": captured, "amount_capturable": 0,
                        "latest_charge": trade["transaction_id"], "customer": None, "receipt_email": None,
                        "created": int(trade["_created"])})
        grouped = {k: v for k, v in meta.items() if k not in ("trade_state", "trade_type")}
        money.intent(otn, cur, grouped)
        if not paid:
            continue
        money.charge(captured, refunded, cur, otn, grouped)
        charges.append({"id": trade["transaction_id"], "payment_intent": otn, "amount": total,
                        "amount_captured": captured, "amount_refunded": refunded, "captured": True,
                        "refunded": refunded >= total, "paid": True, "status": "succeeded", "metadata": meta,
                        "customer": None, "receipt_email": None, "created": int(trade["_created"]),
                        "currency": cur})
    return {
        "dialect": "wechatpay",
        "payment_intents": intents, "charges": charges, "refunds": refunds, "customers": [],
        "checkout_sessions": [],
        "money": money.to_dict(),
        "idempotency": {"count": 0, "records": []},
        "requests": {"total": st.requests_total, "api": st.requests_api, "hosted": st.requests_hosted,
                     "by_endpoint": dict(st.requests_by_endpoint)},
        "webhooks": gw.notifier.stats(),
        # each notification's id -> the ids it is about (its resource is encrypted in the journal)
        "notifications": dict(gw.notifier.subjects),
    }
