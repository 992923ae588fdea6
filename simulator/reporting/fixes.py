"""One line per scoring rule on how to fix what it found, and where docs/scoring.md explains the rule.

Keyed by rule name; `tests/reporting/test_fixes.py` checks that every registered rule has a hint, so a
new rule cannot reach a report without one. The links point at the dimension's section of
docs/scoring.md (each rule is a row of its dimension's table); set PAYCHAOS_DOCS_URL to where your
copy of the docs lives (default: the relative path, right when the report sits beside a checkout).
"""

from __future__ import annotations

import os

FIXES: dict[str, str] = {
    # prompt
    "prompt.answer_budget": "Answer every checkout within the budget: time out gateway calls yourself and "
                            "reply 'pending' rather than keep the customer waiting.",
    "prompt.message_fits": "Map each gateway outcome to a short message in the customer's language that names "
                           "the problem (declined, expired, card number, service unavailable).",
    "prompt.next_step": "End every failed answer with a next step: try again, another payment method, "
                        "contact the bank or support.",
    "prompt.no_leaks": "Catch gateway errors and show your own message: never pass exception text, raw gateway "
                       "JSON, ids, keys or card numbers to the customer.",
    "prompt.outcome": "Catch every error on the checkout path and answer with a status and a message, "
                      "never a bare 5xx; fail over when the scenario is survivable.",
    "prompt.status_right": "Decide 'paid' / 'failed' from the gateway's real state (look the payment up after "
                           "an error) before you answer the customer.",
    # retry
    "retry.backoff": "Retry with exponential backoff and jitter (e.g. 0.2 s, 0.4 s, 0.8 s, each x0.5-1).",
    "retry.bounded": "Stop retrying once you have answered the customer: no charge attempt after "
                     "'paid' or 'failed'.",
    "retry.closed_trade_not_reused": "When an order's Alipay trade was closed, pay it again under a new "
                                     "out_trade_no (tied to the order), never the closed one.",
    "retry.hard_decline": "Do not retry hard declines (do_not_honor, stolen_card, ...) with the same card: "
                          "ask for another card or method.",
    "retry.idempotency_key": "Send one Idempotency-Key per order and payment attempt, and reuse it on every "
                             "retry of that attempt.",
    "retry.no_storm": "Cap the attempts per checkout (e.g. 3) and give up with a 'pending' or 'failed' answer.",
    "retry.own_timeout": "Set a client timeout on gateway calls (a few seconds), well inside the answer budget.",
    "retry.retry_after": "Honour Retry-After on 429/503: wait at least that long before the next attempt.",
    "retry.should_retry": "Read Stripe-Should-Retry: when it says false, do not send the call again.",
    "retry.transient_retried": "Retry transient failures (5xx, 409, 429, resets, timeouts) or look the payment "
                               "up before telling the customer 'failed'.",
    # fallback
    "fallback.alternatives": "When a payment fails, offer another way to pay (another card, Alipay, WeChat "
                             "Pay, bank transfer) in the answer.",
    "fallback.backup_used": "When the primary gateway fails, send the payment to the backup gateway before "
                            "telling the customer 'failed'.",
    # integrity
    "integrity.no_double_charge": "Use one Idempotency-Key per order across retries and look up an earlier "
                                  "attempt before charging again (also on the backup gateway).",
    "integrity.no_double_fulfilment": "Fulfil once per order: deduplicate webhook events by id and check the "
                                      "order's state before fulfilling.",
    "integrity.no_false_success": "Record an order as paid only after the gateway confirms money captured "
                                  "or held.",
    "integrity.no_orphan_charge": "Reconcile: refund or cancel any charge whose order you failed or dropped "
                                  "(webhooks, a lookup job).",
    "integrity.refund_after_cancel": "On cancel after payment, refund the charge in full and mark the order "
                                     "canceled or refunded.",
    "integrity.rejects_forged_webhooks": "Verify every notification's signature before acting on it (Stripe-"
                                         "Signature, Wechatpay-Signature, Alipay's sign: your SDK's check); "
                                         "answer 4xx when it fails.",
    "integrity.state_converges": "Settle pending orders: handle payment_intent webhooks and poll payments "
                                 "still in flight.",
    "integrity.webhooks_acknowledged": "Answer webhooks 2xx once handled (queue slow work); a 5xx makes "
                                       "Stripe retry for days, then disable the endpoint.",
    "integrity.fulfilled_on_webhook": "Fulfil on the payment webhook (payment_intent.succeeded, "
                                      "checkout.session.completed), never on the customer's return to success_url.",
    "integrity.qr_expired_closed": "Give the QR code an expiry (time_expire / timeout_express), close the trade when "
                                   "you give the order up, and refund or honour money that arrives after.",
    "prompt.qr_expiry_told": "When the code expires, stop waiting for the scan: tell the customer in their "
                             "language that it expired and offer a new code.",
    "integrity.abandoned_3ds_uncharged": "Leave a PaymentIntent whose 3-D Secure was abandoned unpaid and "
                                         "uncaptured; let it expire or cancel it, never capture it later.",
    "integrity.settled_before_fulfilment": "Fulfil on checkout.session.async_payment_succeeded, not on a "
                                           "completed unpaid session; fail the order on async_payment_failed.",
    "integrity.expired_checkout_closed": "Cancel the order on checkout.session.expired (or when a read shows "
                                         "the session expired); never charge for it.",
    "prompt.checkout_session_told": "On success_url read the session: paid only when payment_status is paid, "
                                    "'being confirmed' while unpaid, 'expired' once expired.",
}

GENERIC_FIX = "See the rule's row in docs/scoring.md."

SECTIONS = {   # the GitHub-style anchor of each dimension's heading in docs/scoring.md
    "prompt": "prompt-what-the-customer-was-told-and-when",
    "retry": "retry-how-the-merchant-retried-the-gateway",
    "fallback": "fallback-another-way-to-pay",
    "integrity": "integrity-money",
}
DOCS_ENV = "PAYCHAOS_DOCS_URL"
DEFAULT_DOCS = "docs/scoring.md"


def fix_for(rule: str) -> str:
    return FIXES.get(rule, GENERIC_FIX)


def docs_page(page: str, section: str | None = None) -> str:
    """docs/PAGE (or $PAYCHAOS_DOCS_URL/PAGE), at a section when given."""
    base = os.environ.get(DOCS_ENV, "").rstrip("/")
    url = f"{base}/{page}" if base else f"docs/{page}"
    return f"{url}#{section}" if section else url


def docs_link(rule: str) -> str:
    """docs/scoring.md (or $PAYCHAOS_DOCS_URL/scoring.md) at the section of the rule's dimension."""
    base = os.environ.get(DOCS_ENV, "").rstrip("/")
    page = f"{base}/scoring.md" if base else DEFAULT_DOCS
    section = SECTIONS.get(rule.split(".", 1)[0])
    return f"{page}#{section}" if section else page
