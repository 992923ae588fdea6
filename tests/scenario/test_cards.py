"""The scenario's test-card table must say what the gateway does with each card."""

from __future__ import annotations

import pytest

from paychaos.common.masking import luhn_ok
from paychaos.gateway import cards as gateway_cards
from paychaos.scenario.cards import TEST_CARDS, break_luhn


@pytest.mark.parametrize("token", sorted(TEST_CARDS))
def test_every_token_matches_the_gateways_card_and_outcome(token):
    card = TEST_CARDS[token]
    assert gateway_cards.test_method_number(token) == card.number
    outcome = gateway_cards.outcome_for(card.number)
    if outcome.requires_action:
        assert card.expected == "requires_action"
    elif outcome.declines:
        assert card.expected == f"declined:{outcome.decline_code or outcome.code}"
    else:
        assert card.expected == "paid"


def test_both_spellings_are_accepted():
    assert TEST_CARDS["pm_card_chargeDeclinedInsufficientFunds"] is TEST_CARDS[
        "pm_card_visa_chargeDeclinedInsufficientFunds"]


@pytest.mark.parametrize("number", sorted({c.number for c in TEST_CARDS.values()}))
def test_a_typo_breaks_the_luhn_check(number):
    assert luhn_ok(number)
    typo = break_luhn(number)
    assert not luhn_ok(typo) and len(typo) == len(number) and typo[:-1] == number[:-1]
