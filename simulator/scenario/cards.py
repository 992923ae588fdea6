"""Stripe's test PaymentMethods (and paychaos's own, for frozen/restricted accounts) a scenario may hand
its customers, with the card number behind each
and what the customer should end up with (stripe-facts.md). Both `pm_card_X` and `pm_card_visa_X`
spellings are accepted, as the gateway accepts them.

`expected` uses the forms of `CheckoutResult.expected`: "paid", "declined:<decline or error code>",
"requires_action".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    token: str
    number: str
    expected: str


_CARDS = (
    TestCard("pm_card_visa", "4242424242424242", "paid"),
    TestCard("pm_card_mastercard", "5555555555554444", "paid"),
    TestCard("pm_card_amex", "378282246310005", "paid"),
    TestCard("pm_card_visa_debit", "4000056655665556", "paid"),
    TestCard("pm_card_visa_chargeDeclined", "4000000000000002", "declined:generic_decline"),
    TestCard("pm_card_visa_chargeDeclinedInsufficientFunds", "4000000000009995", "declined:insufficient_funds"),
    TestCard("pm_card_visa_chargeDeclinedLostCard", "4000000000009987", "declined:lost_card"),
    TestCard("pm_card_visa_chargeDeclinedStolenCard", "4000000000009979", "declined:stolen_card"),
    TestCard("pm_card_chargeDeclinedExpiredCard", "4000000000000069", "declined:expired_card"),
    TestCard("pm_card_chargeDeclinedIncorrectCvc", "4000000000000127", "declined:incorrect_cvc"),
    TestCard("pm_card_chargeDeclinedProcessingError", "4000000000000119", "declined:processing_error"),
    TestCard("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "4000000000006975",
             "declined:card_velocity_exceeded"),
    TestCard("pm_card_radarBlock", "4100000000000019", "declined:fraudulent"),
    TestCard("pm_card_authenticationRequired", "4000002760003184", "requires_action"),
    TestCard("pm_card_authenticationRequiredOnSetup", "4000002500003155", "requires_action"),
    # paychaos's own cards for the account problems Stripe has no card for (simulator/gateway/cards.py)
    TestCard("pm_card_chargeDeclinedRestrictedCard", "4000008400000019", "declined:restricted_card"),
    TestCard("pm_card_chargeDeclinedDoNotHonor", "4000008400000027", "declined:do_not_honor"),
    TestCard("pm_card_chargeDeclinedIssuerNotAvailable", "4000008400000035", "declined:issuer_not_available"),
    TestCard("pm_card_chargeDeclinedTryAgainLater", "4000008400000043", "declined:try_again_later"),
    TestCard("pm_card_chargeDeclinedTransactionNotAllowed", "4000008400000050",
             "declined:transaction_not_allowed"),
    TestCard("pm_card_chargeDeclinedInvalidAccount", "4000008400000068", "declined:invalid_account"),
)


def _spellings(card: TestCard) -> list[str]:
    """pm_card_visa_chargeDeclined <-> pm_card_chargeDeclined: the gateway takes both."""
    token = card.token
    if token.startswith("pm_card_visa_charge"):
        return [token, "pm_card_" + token[len("pm_card_visa_"):]]
    if token.startswith("pm_card_charge"):
        return [token, "pm_card_visa_" + token[len("pm_card_"):]]
    return [token]


TEST_CARDS: dict[str, TestCard] = {name: card for card in _CARDS for name in _spellings(card)}

# The spelling of each card the docs and error messages show.
CANONICAL_TOKENS: tuple[str, ...] = tuple(card.token for card in _CARDS)


def break_luhn(number: str) -> str:
    """The same number with its last digit changed, so the Luhn check fails (a typo).

    The last digit is never doubled, so any change to it moves the checksum off a multiple of 10.
    """
    return number[:-1] + str((int(number[-1]) + 1) % 10)
