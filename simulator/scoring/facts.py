"""What the scenario and the observations say about which rules apply: faults on the gateway leg,
expected declines, actions. Rules judge evidence; these only decide whether a rule has a say."""

from __future__ import annotations

from paychaos.observations import Observations
from paychaos.scenario.model import Action, Cause, FaultRule
from paychaos.scoring import exchanges as ex

# Faults after which another try (or a lookup) is the graceful move.
TRANSIENT_FAULTS = frozenset({"http_error", "refused", "reset", "close", "hang", "latency", "slow_body",
                              "malformed", "rate_limit", "response_lost"})
# Faults that make the primary gateway fail a payment outright.
FAILING_FAULTS = TRANSIENT_FAULTS - {"latency", "slow_body"} | {"auth_error", "decline"}


def gateway_faults(obs: Observations) -> list[FaultRule]:
    return [f for f in obs.scenario.faults
            if not f.fault.startswith("webhook_") and f.match.upstream != "webhooks"]


def has_transient_faults(obs: Observations) -> bool:
    return any(f.fault in TRANSIENT_FAULTS for f in gateway_faults(obs)) or any(
        ex.needs_follow_up(r) for r in obs.journal if ex.is_charge_attempt(r))


def primary_fails(obs: Observations) -> bool:
    """The scenario makes the primary gateway fail payments (or the journal shows it did)."""
    if any(f.fault in FAILING_FAULTS and f.match.upstream in (None, "primary") for f in gateway_faults(obs)):
        return True
    return obs.scenario.cause in (Cause.GATEWAY_OUTAGE, Cause.MERCHANT_ACCOUNT)


def expects_declines(obs: Observations) -> bool:
    return any(c.expected.startswith("declined:") for c in obs.checkouts) or any(
        f.fault == "decline" for f in gateway_faults(obs))


def expects_card_errors(obs: Observations) -> bool:
    return expects_declines(obs) or any(c.expected.startswith("invalid:") for c in obs.checkouts) or any(
        ex.outcome(r) == "card_error" for r in obs.journal)


def has_action(obs: Observations, action: Action) -> bool:
    return action in obs.scenario.actions or any(c.action == str(action) for c in obs.checkouts)


def retry_matters(obs: Observations) -> bool:
    """Whether the scenario gives the merchant any reason to retry (or not to)."""
    return (has_transient_faults(obs) or expects_card_errors(obs) or bool(gateway_faults(obs))
            or has_action(obs, Action.DOUBLE_SUBMIT))
