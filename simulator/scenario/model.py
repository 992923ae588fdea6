"""What a scenario file says, once validated. Plain data; the loader builds it, the runner and the
scoring rules read it. Field names follow the scenario file of DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Cause(StrEnum):
    """The failure causes of DESIGN.md's table; every scenario names one."""

    GATEWAY_OUTAGE = "gateway_outage"
    TIMEOUT = "timeout"
    AMBIGUOUS_OUTCOME = "ambiguous_outcome"
    TRANSACTION_ANOMALY = "transaction_anomaly"
    BAD_CARD_DATA = "bad_card_data"
    ACCOUNT_PROBLEM = "account_problem"
    MERCHANT_ACCOUNT = "merchant_account"
    RATE_LIMIT = "rate_limit"
    MALFORMED_ANSWER = "malformed_answer"
    WEBHOOK_CHAOS = "webhook_chaos"
    HEALTHY = "healthy"  # a baseline with no faults


class Action(StrEnum):
    CHECKOUT = "checkout"
    DOUBLE_SUBMIT = "double_submit"        # the customer clicks "pay" twice, concurrently
    CANCEL_AFTER_PAY = "cancel_after_pay"  # pays, then cancels the order
    TYPO_CARD = "typo_card"                # a Luhn-broken card number
    EXPIRED_CARD = "expired_card"          # an expiry date in the past
    WRONG_CVC = "wrong_cvc"                # a malformed security code
    # The customer's browser on a 3-D Secure challenge (flows client_secret and redirect, docs/flows/);
    # a server-flow checkout never reaches one, so there they act as `checkout`.
    THREE_DS_FAIL = "three_ds_fail"        # presses "Fail authentication"
    THREE_DS_ABANDON = "three_ds_abandon"  # closes the challenge without answering
    # The hosted Checkout page (flow redirect): the customer opens it and leaves; the session's time runs
    # out (`checkout.session.expired`). `pay_late`: they come back after that, find the page expired and
    # follow it back to the shop.
    LEAVE_PAGE = "leave_page"
    PAY_LATE = "pay_late"
    # Alipay / WeChat Pay chosen on the page (flows client_secret and redirect): the customer is back
    # before the money settles; then it settles (`async_settles`) or fails (`async_fails`).
    ASYNC_SETTLES = "async_settles"
    ASYNC_FAILS = "async_fails"
    # The shop's QR code (flow qr): the customer scans it and walks away without paying; the code's time
    # runs out (its time_expire / timeout_express, through the gateway's /_sim). `qr_pay_late`: they
    # come back after that and pay it.
    QR_WALK_AWAY = "qr_walk_away"
    QR_PAY_LATE = "qr_pay_late"
    # Alipay's cashier (flow redirect, alipay.trade.page.pay / wap.pay): the customer leaves it unpaid and
    # goes back to the shop; the trade closes (the shop's own close, or its whole lifetime passing, through
    # the gateway's /_sim); then the customer pays the same order again (the checkout call once more).
    PAY_AGAIN_AFTER_CLOSE = "pay_again_after_close"


# The flows in which the driver can play an action; anywhere else the action is played as `checkout`
# and the scenario is inconclusive there (nothing it is about happened).
ACTION_FLOWS: dict[Action, tuple[str, ...]] = {
    Action.LEAVE_PAGE: ("redirect",),
    Action.PAY_LATE: ("redirect",),
    Action.ASYNC_SETTLES: ("client_secret", "redirect"),
    Action.ASYNC_FAILS: ("client_secret", "redirect"),
    Action.QR_WALK_AWAY: ("qr",),
    Action.QR_PAY_LATE: ("qr",),
    Action.PAY_AGAIN_AFTER_CLOSE: ("redirect",),
}


# The checkout flows a target may have (target file `checkout.flow`; the driver plays each, docs/flows/).
FLOW_NAMES = ("server", "client_secret", "redirect", "browser", "qr")


# What a scenario may require of the target (`requires:`): "backup" is a second gateway the shop falls
# back to (target file `shop.gateways: 2`); on a target without one the scenario is inconclusive.
REQUIRES = ("backup",)


@dataclass(frozen=True)
class Window:
    start_s: float = 0.0
    end_s: float | None = None


@dataclass(frozen=True)
class Match:
    upstream: str | None = None       # primary | backup | webhooks
    method: str | None = None
    path: str | None = None           # glob
    # kinds of call (paychaos.common.call_kinds.KINDS); () = any kind the fault applies to.
    kinds: tuple[str, ...] = ()
    # request fields -> globs (any of): amount, currency, payment_method, metadata.KEY, header.NAME,
    # event.type (webhooks leg). Built by paychaos.proxies.rules.parse_rules, which owns the valid forms.
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FaultRule:
    """One entry of a scenario's `faults:` list, validated by `paychaos.proxies.rules.parse_rules`."""

    fault: str
    params: dict = field(default_factory=dict)   # every parameter of the fault, defaults filled in
    match: Match = field(default_factory=Match)
    probability: float = 1.0
    window: Window | None = None
    times: int | None = None
    every: int | None = None          # every Nth matching exchange
    id: str | None = None             # r1, r2, ... when not given
    phase: str | None = None          # the scenario phase whose span became `window` (a label)


LOCALES = ("en_US", "zh_CN")

# Prompt-lexicon categories (docs/ARCHITECTURE.md) a scenario may expect in the customer's message.
PROMPT_CATEGORIES = (
    "unavailable", "card_number", "expired", "cvc", "insufficient_funds", "account_restricted",
    "declined", "try_again", "other_method", "contact_bank", "support", "pending", "paid", "authentication",
    "order_closed",
)


@dataclass(frozen=True)
class Customers:
    count: int = 10
    locale: str = "en_US"             # the main locale: the one with the largest share in `locales`
    locales: dict[str, float] = field(default_factory=lambda: {"en_US": 1.0})  # locale -> share
    cards: dict[str, float] = field(default_factory=lambda: {"pm_card_visa": 1.0})  # token -> share
    amount_min: int = 500             # minor units
    amount_max: int = 50000
    currency: str = "usd"
    concurrency: int = 1              # customers checking out at once
    timeout_s: float = 30.0           # the customer's own patience: no answer by then -> error="timeout"


@dataclass(frozen=True)
class Expect:
    threshold: float = 80.0           # pass at this total or above
    answer_budget_s: float = 10.0     # the customer gets an answer within this
    max_gateway_calls_per_checkout: int = 6
    # What a graceful merchant tells the customer, as prompt-lexicon categories (docs/ARCHITECTURE.md).
    prompt: list[str] = field(default_factory=list)
    outcome: str | None = None        # paid | failed | pending | None (any)


@dataclass(frozen=True)
class Scenario:
    name: str
    cause: Cause
    description: str
    customers: Customers = field(default_factory=Customers)
    actions: list[Action] = field(default_factory=lambda: [Action.CHECKOUT])
    faults: list[FaultRule] = field(default_factory=list)
    fault_specs: list[dict] = field(default_factory=list)  # the `faults:` list as written (PUT to the proxy)
    expect: Expect = field(default_factory=Expect)
    seed: int = 1
    settle_s: float = 0.0             # wait after the last checkout (webhooks, reconciliation)
    requires: tuple[str, ...] = ()    # what the target must have (REQUIRES), else the scenario is inconclusive
    # `flows:`: the checkout flows in which what the scenario is about can happen (None: any); in another
    # flow the scenario is inconclusive, and a default suite leaves it out.
    flows: tuple[str, ...] | None = None
    path: str | None = None           # the file it came from


def flows_of(scenario: Scenario) -> tuple[str, ...] | None:
    """The flows in which the scenario can happen: None for any flow; those its `flows:` names; for a
    scenario whose every action is bound to some flows (ACTION_FLOWS), those that can play one of them
    (and that its `flows:` names)."""
    by_actions = None
    if scenario.actions and all(a in ACTION_FLOWS for a in scenario.actions):
        by_actions = {f for a in scenario.actions for f in ACTION_FLOWS[a]}
    if scenario.flows is None:
        return None if by_actions is None else tuple(sorted(by_actions))
    named = set(scenario.flows)
    return tuple(sorted(named if by_actions is None else named & by_actions))
