"""The test PaymentMethods a scenario may hand its customers, with the card number behind each and what
the customer should end up with: the gateway's own table (`paychaos.common.test_cards`), so every test
card the gateway knows by name is a card a scenario may use. Each card's canonical token is what docs
and error messages show; its other names are accepted too (`pm_card_X`, and `pm_card_visa_X` for the
charge* cards, as the gateway accepts them).

`expected` uses the forms of `CheckoutResult.expected`: "paid", "declined:<decline or error code>",
"requires_action".
"""

from __future__ import annotations

from dataclasses import dataclass

from paychaos.common import test_cards


@dataclass(frozen=True)
class TestCard:
    token: str
    number: str
    expected: str


def _spellings(card: test_cards.Card) -> list[str]:
    """The canonical token, `pm_card_<name>` for each of its names, and `pm_card_visa_<name>` for the
    charge* ones: the gateway takes them all."""
    names = [card.token]
    for name in card.names:
        names.append("pm_card_" + name)
        if name.startswith("charge"):
            names.append("pm_card_visa_" + name)
    return list(dict.fromkeys(names))


_BY_CARD = {card: TestCard(card.token, card.number, card.expected) for card in test_cards.CARDS if card.token}

# every spelling -> the one TestCard of its card
TEST_CARDS: dict[str, TestCard] = {name: shown for card, shown in _BY_CARD.items() for name in _spellings(card)}

# The spelling of each card the docs and error messages show.
CANONICAL_TOKENS: tuple[str, ...] = tuple(shown.token for shown in _BY_CARD.values())


def break_luhn(number: str) -> str:
    """The same number with its last digit changed, so the Luhn check fails (a typo).

    The last digit is never doubled, so any change to it moves the checksum off a multiple of 10.
    """
    return number[:-1] + str((int(number[-1]) + 1) % 10)
