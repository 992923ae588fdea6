"""One customer's checkout request, from a target's `checkout` section (simulator.target), in a
form that travels to the Locust users as JSON, and the outcome read back from the answer.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict

from simulator.scenario.cards import TEST_CARDS
from simulator.target import Outcome, Target, extract, render


def spec_of(target: Target) -> dict:
    """The target's checkout call and outcome as plain JSON for the Locust config."""
    return {"method": target.checkout.method, "path": target.checkout.path,
            "json": target.checkout.json, "outcome": asdict(target.outcome)}


def request(spec: dict, values: dict) -> tuple[str, str, object]:
    """(method, path, json body) for one checkout. Keys left empty (no card when paying by
    token) are dropped from the body."""
    body = _prune(render(spec.get("json"), values))
    return spec["method"], render(spec["path"], values), body


def _prune(value):
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def outcome(answer, spec: dict) -> tuple[str | None, str | None, list]:
    """(paid | pending | failed | None, message, alternatives) from the merchant's JSON answer."""
    if not isinstance(answer, dict):
        return None, None, []
    out = Outcome(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec["outcome"].items()})
    raw = extract(answer, out.status)
    status = None if raw is None else out.classify(raw)
    message = extract(answer, out.message) if out.message else answer.get("message")
    alternatives = extract(answer, out.alternatives) if out.alternatives else None
    return status, (str(message) if message is not None else None), list(alternatives or [])


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
