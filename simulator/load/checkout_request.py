"""One customer's checkout request, from a target's `checkout` section (paychaos.target), in a
form that travels to the Locust users as JSON, and the outcome read back from the answer. Both are
done by `paychaos.merchant_request`, the builder and reader the driver of `paychaos run` uses too.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict

from paychaos.merchant_request import Reading, Request, build, read_outcome
from paychaos.scenario.cards import TEST_CARDS
from paychaos.target import Answer, Call, Outcome, Target


def spec_of(target: Target) -> dict:
    """The target's checkout call and outcome as plain JSON for the Locust config."""
    return {"method": target.checkout.method, "path": target.checkout.path, "json": target.checkout.json,
            "form": target.checkout.form, "outcome": asdict(target.outcome), "file": target.path}


def call_of(spec: dict) -> Call:
    return Call(method=spec["method"], path=spec["path"], json=spec.get("json"), form=spec.get("form"))


def outcome_of(spec: dict) -> Outcome:
    return Outcome(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec["outcome"].items()})


def request(spec: dict, values: dict) -> Request:
    """The checkout request for one customer's values (the same bytes the driver would send)."""
    return build(call_of(spec), values, file=spec.get("file") or "", section="checkout")


def outcome(spec: dict, http_status: int, headers, answer) -> Reading:
    """What the target's outcome reads from the merchant's answer (answer: the parsed JSON or None)."""
    return read_outcome(outcome_of(spec), Answer(http_status, headers or {}, answer))


def pick_card(cards: dict[str, float], roll: float) -> str:
    """The payment token whose cumulative share covers `roll` in [0, 1)."""
    total = sum(cards.values()) or 1.0
    acc = 0.0
    for token, share in cards.items():
        acc += share / total
        if roll < acc:
            return token
    return next(reversed(cards))


def card_values(token: str) -> dict:
    """The test card behind a token, for targets that take raw card data (never logged whole)."""
    card = TEST_CARDS.get(token)
    if card is None:
        return {f"card.{k}": None for k in ("number", "exp_month", "exp_year", "cvc")}
    return {"card.number": card.number, "card.exp_month": 12,
            "card.exp_year": datetime.date.today().year + 3, "card.cvc": "1234" if len(card.number) == 15 else "123"}
