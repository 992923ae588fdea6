"""The resilient checkout: charge an order once, on the primary gateway or, when the primary surely
did not charge, on the backup, and answer the customer within the budget.

Per gateway: (raw card -> PaymentMethod) then one PaymentIntent create+confirm, both under ONE
idempotency key per order attempt, retried by `RetryPolicy`. When a call may have reached the
gateway without a readable answer (timeout, reset, garbled 200, 500, 409), the intent is looked
up by metadata order_id before anything else happens:
- found paid -> paid; found declined -> that decline;
- found nothing -> the gateway did not charge: fail over (and let the reconciler watch for a late
  orphan on the first gateway);
- lookup unreachable -> answer `pending` ("being confirmed") and let the reconciler settle it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from paychaos.merchants.checkout_input import CheckoutInput
from paychaos.merchants.lexicon import AFTER_DECLINE, OTHER_METHODS
from paychaos.merchants.resilient.declines import check_card, decline_reason, is_hard
from paychaos.merchants.resilient.gateway_client import AUTH, DECLINED, OK, CallResult, Gateway
from paychaos.merchants.resilient.lookups import PAID_STATUSES, find_order_intents
from paychaos.merchants.resilient.retry_policy import CircuitBreaker, RetryPolicy, Tries

log = logging.getLogger("paychaos.merchant.payments")


@dataclass
class Outcome:
    status: str                          # paid | pending | failed
    reason: str                          # lexicon reason (paychaos.merchants.lexicon)
    alternatives: list[str] = field(default_factory=list)
    payment_intent: str | None = None
    gateway: str | None = None
    hard: bool = False                   # the same payment details will fail again
    watch: list[str] = field(default_factory=list)  # gateways the reconciler must check later


def _paid(pi, gateway: Gateway) -> Outcome:
    return Outcome("paid", "paid", payment_intent=pi.get("id"), gateway=gateway.name)


def _declined(code: str | None, decline_code: str | None, pi_id: str | None = None,
              gateway: Gateway | None = None) -> Outcome:
    reason = decline_reason(code, decline_code)
    return Outcome("failed", reason, list(AFTER_DECLINE), payment_intent=pi_id,
                   gateway=gateway.name if gateway else None, hard=is_hard(reason))


@dataclass
class _GatewayTry:
    outcome: Outcome | None = None   # final answer from this gateway
    unknown: bool = False            # it may have charged and we could not find out
    acted: bool = False              # some call may have reached it without an answer
    failure: CallResult | None = None


class PaymentFlow:
    def __init__(self, primary: Gateway, backup: Gateway | None, policy: RetryPolicy | None = None,
                 budget_s: float = 7.5, primary_share_s: float = 4.5, lookup_timeout_s: float = 1.5):
        self.primary, self.backup = primary, backup
        self.gateways = {g.name: g for g in (primary, backup) if g}
        self.breakers = {name: CircuitBreaker() for name in self.gateways}
        self.policy = policy or RetryPolicy()
        self.budget_s, self.primary_share_s, self.lookup_timeout_s = budget_s, primary_share_s, lookup_timeout_s

    def pay(self, inp: CheckoutInput, key_base: str) -> Outcome:
        start = time.monotonic()
        deadline = start + self.budget_s
        if inp.card is not None:
            problem = check_card(inp.card)
            if problem:
                return Outcome("failed", problem, list(AFTER_DECLINE), hard=True)
        route = [g for g in (self.primary, self.backup) if g and self.breakers[g.name].allow()]
        if not route:
            log.info("order %s: every gateway's circuit is open", inp.order_id)
            return Outcome("failed", "unavailable", list(OTHER_METHODS))
        watch: list[str] = []
        failure: CallResult | None = None
        for i, gateway in enumerate(route):
            last = i == len(route) - 1
            gw_deadline = deadline if last else min(deadline, start + self.primary_share_s)
            tried = self._try(gateway, inp, key_base, gw_deadline, deadline)
            if tried.acted:
                watch.append(gateway.name)
            if tried.outcome is not None:
                # This gateway's answer is known; any other that may have acted must be watched.
                tried.outcome.watch = [name for name in watch if name != gateway.name]
                return tried.outcome
            if tried.unknown:
                return Outcome("pending", "pending", payment_intent=None, watch=watch)
            failure = tried.failure or failure
            log.info("order %s: %s did not charge; %s", inp.order_id, gateway.name,
                     "failing over" if not last else "no gateway left")
        reason = "merchant_problem" if failure is not None and failure.kind == AUTH else "unavailable"
        return Outcome("failed", reason, list(OTHER_METHODS), watch=watch)

    def _try(self, gateway: Gateway, inp: CheckoutInput, key_base: str, gw_deadline: float,
             deadline: float) -> _GatewayTry:
        breaker = self.breakers[gateway.name]
        payment_method = inp.payment_method
        if payment_method is None:
            assert inp.card is not None
            tries = self.policy.run(
                gateway, lambda c: c.post("/v1/payment_methods", inp.card.gateway_params(),
                                          idempotency_key=f"{key_base}.pm"),
                gw_deadline, what=f"order {inp.order_id} payment method", breaker=breaker)
            if not tries.results:
                return _GatewayTry()
            if tries.last.kind == DECLINED:
                return _GatewayTry(_declined(tries.last.code, tries.last.decline_code, gateway=gateway))
            if tries.last.kind != OK:
                return _GatewayTry(failure=tries.last)   # no PaymentMethod, so surely no charge
            payment_method = tries.last.obj["id"]
        params = {"amount": inp.amount, "currency": inp.currency, "payment_method": payment_method,
                  "confirm": True, "payment_method_types": ["card"],
                  "metadata": {"order_id": inp.order_id}, "description": f"Order {inp.order_id}"}
        tries = self.policy.run(
            gateway, lambda c: c.post("/v1/payment_intents", params, idempotency_key=f"{key_base}.pi"),
            gw_deadline, what=f"order {inp.order_id} payment", breaker=breaker)
        if tries.results and tries.last.kind == OK:
            return _GatewayTry(self._from_intent(tries.last.obj, gateway), acted=tries.may_have_acted)
        if tries.results and tries.last.kind == DECLINED:
            r = tries.last
            return _GatewayTry(_declined(r.code, r.decline_code, r.payment_intent, gateway), acted=tries.may_have_acted)
        return self._resolve_unknown(gateway, inp, tries, deadline)

    def _resolve_unknown(self, gateway: Gateway, inp: CheckoutInput, tries: Tries, deadline: float) -> _GatewayTry:
        failure = tries.last if tries.results else None
        if not tries.may_have_acted:
            return _GatewayTry(failure=failure)
        timeout = min(self.lookup_timeout_s, deadline - time.monotonic() - 0.1)
        if timeout < 0.2:
            return _GatewayTry(unknown=True, acted=True, failure=failure)
        found = find_order_intents(gateway, inp.order_id, timeout)
        log.info("order %s: looked up on %s after an unclear answer: %s", inp.order_id, gateway.name,
                 "unreachable" if not found.reachable else [pi.get("status") for pi in found.intents])
        if not found.reachable or found.processing:
            return _GatewayTry(unknown=True, acted=True, failure=failure)
        if found.paid:
            return _GatewayTry(_paid(found.paid[0], gateway), acted=True)
        decline = found.last_decline()
        if decline is not None:
            return _GatewayTry(_declined(*decline, gateway=gateway), acted=True)
        return _GatewayTry(acted=True, failure=failure)

    def _from_intent(self, pi, gateway: Gateway) -> Outcome:
        status = pi.get("status")
        if status in PAID_STATUSES:
            return _paid(pi, gateway)
        if status == "processing":
            return Outcome("pending", "pending", payment_intent=pi.get("id"), gateway=gateway.name,
                           watch=[gateway.name])
        if status == "requires_action":
            # 3-D Secure this server-side checkout cannot show: release the intent, offer other ways.
            gateway.call(lambda c: c.post(f"/v1/payment_intents/{quote(pi.get('id') or '', safe='')}/cancel"), 1.0)
            return Outcome("failed", "authentication", list(AFTER_DECLINE), payment_intent=pi.get("id"),
                           gateway=gateway.name, hard=True)
        err = pi.get("last_payment_error") or {}
        if status == "requires_payment_method" and err:
            return _declined(err.get("code"), err.get("decline_code"), pi.get("id"), gateway)
        return Outcome("failed", "error", list(OTHER_METHODS), payment_intent=pi.get("id"), gateway=gateway.name)

    def refund(self, gateway_name: str, payment_intent: str, timeout_budget_s: float = 5.0) -> bool:
        """Refund a paid intent (idempotent per intent); True when the gateway confirmed it."""
        gateway = self.gateways.get(gateway_name)
        if gateway is None:
            return False
        tries = self.policy.run(
            gateway, lambda c: c.post("/v1/refunds", {"payment_intent": payment_intent,
                                                         "metadata": {"reason": "order canceled"}},
                                      idempotency_key=f"refund.{payment_intent}"),
            time.monotonic() + timeout_budget_s, what=f"refund {payment_intent}")
        if tries.results and tries.last.kind == OK:
            return True
        # Already refunded (a replay under another key, or by hand) counts as done.
        return bool(tries.results) and tries.last.code == "charge_already_refunded"
