"""Hand-made observations and scores, shaped as the runner and scoring produce them."""

from __future__ import annotations

import time

from paychaos.observations import CheckoutResult, Observations
from paychaos.reporting.entries import errored_entry, scenario_entry
from paychaos.reporting.suite import SuiteReport
from paychaos.scenario.model import Cause, Customers, Expect, Scenario

T0 = float(int(time.time()) - 60)
WHOLE_PAN = "4000000000009995"


def journal_record(seq, t, *, status=200, faults=(), upstream="primary", error=None, key="order-ord_1-a",
                   path="/v1/payment_intents", outcome="succeeded", duration=0.04):
    return {
        "id": f"j-{seq:06d}", "seq": seq, "scenario": "x", "upstream": upstream,
        "direction": "to_merchant" if upstream == "webhooks" else "to_gateway",
        "method": "POST", "path": path, "query": "", "idempotency_key": key,
        "request": {"amount": 1299, "currency": "usd", "payment_method": "pm_card_visa"},
        "event": None, "status": status, "upstream_status": status,
        "response": {"object": "payment_intent", "id": "pi_1", "status": outcome, "error": None},
        "faults": [{"fault": f, "rule": "r1"} for f in faults], "error": error,
        "t_start": T0 + t, "t_first_byte": T0 + t + duration, "t_end": T0 + t + duration,
    }


def outage_observations() -> Observations:
    scenario = Scenario(name="gateway-outage-full", cause=Cause.GATEWAY_OUTAGE,
                        description="The primary gateway answers 503 to every payment call.",
                        customers=Customers(count=2), expect=Expect(threshold=80), path="scenarios/outage.yaml")
    checkouts = [
        CheckoutResult(order_id="ord_1", action="checkout", amount=1299, payment="pm_card_visa",
                       http_status=200, status="paid", raw_status="paid", message="Payment received.",
                       started_at=T0 + 0.01, elapsed_s=1.6),
        CheckoutResult(order_id="ord_2", action="typo_card", amount=2500, payment=WHOLE_PAN,
                       expected="invalid:incorrect_number", http_status=200, status="failed",
                       message=f"Card {WHOLE_PAN} declined, please check the card number.",
                       alternatives=["alipay", "wechat_pay"], started_at=T0 + 1.8, elapsed_s=0.3),
    ]
    journal = [
        journal_record(1, 0.02, status=503, faults=["http_error"], outcome=None),
        journal_record(2, 0.55, status=503, faults=["http_error"], outcome=None),
        journal_record(3, 1.10, status=None, faults=["reset"], error="reset", outcome=None),
        journal_record(4, 1.45, upstream="backup"),
        journal_record(5, 1.85, status=402, key="order-ord_2-a", outcome=None),
        journal_record(6, 2.0, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None),
    ]
    ledger = {"money": {"currency_totals": {"usd": {"captured": 0, "refunded": 0, "net": 0}}}}
    backup = {"money": {"currency_totals": {"usd": {"captured": 1299, "refunded": 0, "net": 1299}}},
              "payment_intents": [{"id": "pi_1", "amount": 1299, "status": "succeeded",
                                   "metadata": {"order_id": "ord_1"}}],
              "charges": [{"id": "ch_1", "payment_intent": "pi_1", "amount": 1299, "amount_captured": 1299,
                           "amount_refunded": 0, "captured": True, "status": "succeeded", "metadata": {}}]}
    return Observations(scenario=scenario, checkouts=checkouts, journal=journal, ledger=ledger,
                        backup_ledger=backup, orders={"ord_1": {"status": "paid"}}, started_at=T0,
                        ended_at=T0 + 2.4)


def outage_score(total=72.5) -> dict:
    return {
        "name": "gateway-outage-full", "cause": "gateway_outage",
        "score": {"total": total, "prompt": 90.0, "retry": 55.0, "fallback": 100.0, "integrity": None},
        "findings": [
            {"rule": "retry.backoff", "dimension": "retry", "severity": "minor",
             "message": "retries were 0.5 s apart each time; spacing should grow",
             "evidence": {"journal_ids": ["j-000001", "j-000002"], "gaps_ms": [530, 550]}},
            {"rule": "prompt.no_leaks", "dimension": "prompt", "severity": "critical",
             "message": f"the customer was shown the whole card number {WHOLE_PAN}",
             "evidence": {"order_ids": ["ord_2"], "excerpt": f"Card {WHOLE_PAN} declined"}},
        ],
        "threshold": 80, "passed": False, "error": None,
    }


def healthy_score() -> dict:
    return {"name": "healthy-baseline", "cause": "healthy",
            "score": {"total": 100.0, "prompt": 100.0, "retry": None, "fallback": None, "integrity": 100.0},
            "findings": [], "threshold": 90, "passed": True, "error": None}


def sample_report(min_score=None, *, outage_total=72.5, with_error=True, interrupted=False) -> dict:
    names = ["healthy-baseline", "gateway-outage-full", "merchant-crash"]
    suite = SuiteReport(names, target="resilient", min_score=min_score, started_at=T0)
    suite.add(scenario_entry(healthy_score(), min_score=min_score))
    suite.add(scenario_entry(outage_score(outage_total), outage_observations(), min_score=min_score))
    if with_error:
        suite.add(errored_entry("merchant-crash", "gateway_outage",
                                "merchant exited with status 1 before it was ready\nTraceback: boom",
                                threshold=80, min_score=min_score))
    suite.interrupted = interrupted
    return suite.to_dict()
