"""The scenario's customers, planned from its seed (same seed, same customers, cards and amounts), in
the languages the shop serves, and the card each one pays with. Each order gets its own amount, so a
ledger payment can be tied to its order even when the merchant puts no metadata on it."""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass

from faker import Faker

from paychaos.common.masking import mask_pan
from paychaos.scenario.cards import TEST_CARDS, break_luhn
from paychaos.scenario.model import Action, Scenario
from paychaos.target import language_of


@dataclass(frozen=True)
class Customer:
    index: int
    order_id: str
    amount: int
    currency: str
    locale: str
    name: str
    email: str
    phone: str
    token: str          # the test PaymentMethod this customer's card stands for
    action: Action


@dataclass(frozen=True)
class Payment:
    """What one request pays with: a token, or a raw card (a typo, a past expiry, a bad CVC)."""

    token: str | None
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    expected: str

    def shown(self) -> str:
        return self.token or mask_pan(self.number)


def allocate(shares: dict[str, float], count: int) -> list[str]:
    """`count` names in proportion to their shares (largest remainder), in share order."""
    exact = {name: share * count for name, share in shares.items()}
    counts = {name: int(v) for name, v in exact.items()}
    by_remainder = sorted(exact, key=lambda n: exact[n] - counts[n], reverse=True)
    for name in by_remainder[: count - sum(counts.values())]:
        counts[name] += 1
    return [name for name in shares for _ in range(counts[name])]


FALLBACK_LOCALE = "en_US"


def served_locales(shares: dict[str, float], languages: tuple[str, ...] | None) -> dict[str, float]:
    """The scenario's locale shares, kept only for the languages the shop serves; the others' shares go
    to the served ones in proportion. None serves every language; none served -> en_US alone."""
    if languages is None:
        return shares
    kept = {loc: share for loc, share in shares.items() if language_of(loc) in languages}
    if len(kept) == len(shares):
        return shares
    total = sum(kept.values())
    if not kept or total <= 0:
        return {FALLBACK_LOCALE: 1.0}
    return {loc: share / total for loc, share in kept.items()}


def new_run_tag() -> str:
    """A run's tag for its order ids: a letter, then five hex digits. A tag of digits alone could join a
    scenario name ending in digits (`merchant-account-403`) and the order number into a run of 12+
    digits that passes the card-number check: a made-up "leak" wherever a shop echoes the order id."""
    return "r" + uuid.uuid4().hex[:5]


def plan_customers(scenario: Scenario, run_tag: str, languages: tuple[str, ...] | None = None) -> list[Customer]:
    """The scenario's customers, the same for the same seed (order ids carry the run's tag), drawn from
    the locales whose language the shop serves (`Target.shop.languages`; None: all of them)."""
    spec = scenario.customers
    rng = random.Random(scenario.seed)
    shares = served_locales(spec.locales, languages)
    locales = allocate(shares, spec.count)
    tokens = allocate(spec.cards, spec.count)
    rng.shuffle(locales)
    rng.shuffle(tokens)
    amounts = rng.sample(range(spec.amount_min, spec.amount_max + 1), spec.count)
    fakers = {}
    for loc in shares:
        fakers[loc] = Faker(loc)
        fakers[loc].seed_instance(scenario.seed)
    customers = []
    for i in range(spec.count):
        fake = fakers[locales[i]]
        customers.append(Customer(
            index=i,
            order_id=f"{scenario.name[:32]}-{run_tag}-{i + 1:03d}",
            amount=amounts[i],
            currency=spec.currency,
            locale=locales[i],
            name=fake.name(),
            email=fake.email(),
            phone=fake.phone_number(),
            token=tokens[i],
            action=scenario.actions[i % len(scenario.actions)],
        ))
    return customers


def payment_for(customer: Customer, today: datetime.date | None = None) -> Payment:
    """The card the customer pays with, and what they should end up with, given their action."""
    today = today or datetime.date.today()
    card = TEST_CARDS[customer.token]
    cvc = "1234" if len(card.number) == 15 else "123"
    if customer.action is Action.TYPO_CARD:
        return Payment(None, break_luhn(card.number), 12, today.year + 3, cvc, "invalid:incorrect_number")
    if customer.action is Action.EXPIRED_CARD:
        return Payment(None, card.number, 1, today.year - 1, cvc, "invalid:invalid_expiry_year")
    if customer.action is Action.WRONG_CVC:
        return Payment(None, card.number, 12, today.year + 3, "1", "invalid:invalid_cvc")
    return Payment(customer.token, card.number, 12, today.year + 3, cvc, card.expected)


