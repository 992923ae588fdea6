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


def test_every_card_the_gateway_names_is_a_card_a_scenario_may_use():
    """One table (paychaos.common.test_cards): a test PaymentMethod the gateway resolves is in the
    scenario's vocabulary under the same name, with what the customer ends up with."""
    for name, number in gateway_cards.TEST_METHODS.items():
        card = TEST_CARDS.get("pm_card_" + name)
        assert card is not None and card.number == number, name


@pytest.mark.parametrize("token,number,expected", [
    ("pm_card_threeDSecure2Required", "4000000000003220", "requires_action"),
    ("pm_card_threeDSecureRequired", "4000002760003184", "requires_action"),
    ("pm_card_authenticationRequiredSetupForOffSession", "4000002500003155", "requires_action"),
    ("pm_card_chargeCustomerFail", "4000000000000341", "declined:generic_decline"),
])
def test_the_newer_cards_are_in_the_vocabulary(token, number, expected):
    card = TEST_CARDS[token]
    assert (card.number, card.expected) == (number, expected)


def test_a_scenario_may_hand_out_the_newer_cards(tmp_path):
    from paychaos.scenario.load import load_scenario_file

    path = tmp_path / "s.yaml"
    path.write_text("name: s\ncause: transaction_anomaly\ndescription: d\n"
                    "customers: {count: 2, cards: {pm_card_threeDSecure2Required: 1, pm_card_chargeCustomerFail: 1}}\n")
    assert set(load_scenario_file(str(path)).customers.cards) == {"pm_card_threeDSecure2Required",
                                                             "pm_card_chargeCustomerFail"}
