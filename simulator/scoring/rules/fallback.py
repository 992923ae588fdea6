"""fallback: when the primary gateway fails or a card is declined, the customer still has a way to
pay: the backup gateway, or alternative methods offered in the answer."""

from __future__ import annotations

from paychaos.observations import Dimension, Observations, Severity
from paychaos.scoring import exchanges as ex
from paychaos.scoring import facts, orders
from paychaos.scoring.evidence import capped, redact
from paychaos.scoring.lexicon import active
from paychaos.scoring.registry import RuleSpec, rule

ALTERNATIVES = RuleSpec("fallback.alternatives", Dimension.FALLBACK, needs=frozenset({"status"}))
# Declines whose fix is to correct what was typed, not to pay another way.
RETYPE_CODES = frozenset({"incorrect_cvc", "invalid_cvc", "incorrect_number", "invalid_number"})
BACKUP = RuleSpec("fallback.backup_used", Dimension.FALLBACK, needs=frozenset({"status"}))


def primary_failed(order: orders.Order) -> bool:
    return any((r.get("upstream") or "primary") == "primary" and ex.outcome(r) in ("transient", "unknown", "auth")
               for r in order.exchanges)


def used_backup(order: orders.Order) -> bool:
    return any(r.get("upstream") == "backup" for r in order.exchanges)


@rule(ALTERNATIVES)
def alternatives(obs: Observations):
    """A customer whose payment failed (gateway down or card declined) is offered another way to pay.

    A customer left without any answer was offered nothing either."""
    if not (facts.primary_fails(obs) or facts.expects_declines(obs)):
        return None
    lexicon = active()
    stranded, failed = [], 0
    for order in orders.build(obs).orders.values():
        answer = order.last_answer
        if (answer is None or answer.status not in ("failed", None) or order.expects_invalid
                or order.expected_code in RETYPE_CODES):
            continue
        declined = order.expects_decline or any(ex.outcome(r) == "card_error" for r in order.exchanges)
        silent = answer.status is None   # a hung exchange is journaled only once it ends, if ever
        if not (declined or silent or primary_failed(order)):
            continue
        failed += 1
        offered = bool(answer.alternatives) or "other_method" in lexicon.find(answer.message)
        if not offered and (declined or not used_backup(order)):
            stranded.append({"order_id": order.order_id, "expected": order.expected,
                             "message": redact(answer.message), "alternatives": answer.alternatives})
    if not stranded:
        return []
    systematic = len(stranded) == failed
    return [ALTERNATIVES.finding(
        Severity.MAJOR if systematic else Severity.MINOR,
        f"{len(stranded)} of {failed} failed customer(s) were offered no other way to pay (another card, "
        "Alipay, WeChat Pay, bank transfer)" + (": never, in this scenario" if systematic else ""),
        order_ids=capped([s["order_id"] for s in stranded]), examples=capped(stranded, 5))]


@rule(BACKUP)
def backup_used(obs: Observations):
    """With a backup gateway, a payment the primary cannot take is tried on the backup before the
    customer is told "failed" (or left without an answer). Graded only for shops that say they have
    two gateways (target file `shop.gateways: 2`)."""
    if obs.backup_ledger is None or obs.shop.gateways < 2 or not facts.primary_fails(obs):
        return None
    missed, failed = [], 0
    for order in orders.build(obs).orders.values():
        if (order.last_answer is None or order.told not in ("failed", None) or order.expects_decline
                or order.expects_invalid or not (order.told is None or primary_failed(order))):
            continue
        failed += 1
        if not used_backup(order):
            missed.append({"order_id": order.order_id,
                           "primary_journal_ids": capped(order.journal_ids(), 10)})
    if not missed:
        return []
    systematic = len(missed) == failed
    return [BACKUP.finding(
        Severity.MAJOR if systematic else Severity.MINOR,
        f"{len(missed)} of {failed} order(s) failed on the primary gateway without trying the backup one",
        order_ids=capped([m["order_id"] for m in missed]), examples=capped(missed, 5))]
