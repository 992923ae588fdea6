"""The one table of test cards: Stripe's documented ones (stripe-facts.md) and paychaos's own for the
account problems Stripe has no card for (numbers 40000084000000xx, Luhn-valid).

The gateway reads what confirming a payment with each does (`paychaos.gateway.cards`); a scenario
hands its customers the test PaymentMethods and knows what each should end up with
(`paychaos.scenario.cards`). Both read this table, so a card the gateway knows is a card a scenario
may use. Imports nothing of paychaos.
"""

from __future__ import annotations

from dataclasses import dataclass

TRY_AGAIN = "try_again_later"
DO_NOT_TRY = "do_not_try_again"
CONFIRM_DATA = "confirm_card_data"
DECLINED = "Your card was declined."


@dataclass(frozen=True)
class Card:
    """One test card. `code is None`: a payment with it succeeds (after 3-D Secure when
    `requires_action`)."""

    number: str
    token: str | None = None            # the test PaymentMethod scenarios and docs name it by (canonical)
    aliases: tuple[str, ...] = ()       # other test PaymentMethod names, after `pm_card_` / `tok_`
    code: str | None = None
    decline_code: str | None = None
    message: str = ""
    advice_code: str | None = None
    requires_action: bool = False       # 3-D Secure asked when a payment is confirmed
    set_up_exempts: bool = False        # ... unless the card was set up (SetupIntent) for off-session use
    declines_on_setup: bool = True      # False: setting the card up (and attaching it) works, charging fails
    own: bool = False                   # paychaos's own card: the real Stripe does not know it

    @property
    def names(self) -> tuple[str, ...]:
        """Every name after `pm_card_` / `tok_` (a leading `visa_` is optional for the charge* names)."""
        own = self.token.removeprefix("pm_card_") if self.token else None
        if own and own.startswith("visa_charge"):
            own = own.removeprefix("visa_")
        return tuple(dict.fromkeys((*((own,) if own else ()), *self.aliases)))

    @property
    def expected(self) -> str:
        """What a customer paying with it ends up with, in `CheckoutResult.expected`'s forms: "paid",
        "declined:<decline or error code>", "requires_action"."""
        if self.code is not None:
            return f"declined:{self.decline_code or self.code}"
        return "requires_action" if self.requires_action else "paid"


def _decline(number: str, token: str | None, decline_code: str, message: str, advice: str,
             aliases: tuple[str, ...] = (), own: bool = False) -> Card:
    return Card(number, token, aliases, "card_declined", decline_code, message, advice, own=own)


CARDS: tuple[Card, ...] = (
    Card("4242424242424242", "pm_card_visa"),
    Card("5555555555554444", "pm_card_mastercard"),
    Card("378282246310005", "pm_card_amex"),
    Card("4000056655665556", "pm_card_visa_debit"),
    _decline("4000000000000002", "pm_card_visa_chargeDeclined", "generic_decline", DECLINED, DO_NOT_TRY),
    _decline("4000000000009995", "pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds",
             "Your card has insufficient funds.", TRY_AGAIN),
    _decline("4000000000009987", "pm_card_visa_chargeDeclinedLostCard", "lost_card", DECLINED, DO_NOT_TRY),
    _decline("4000000000009979", "pm_card_visa_chargeDeclinedStolenCard", "stolen_card", DECLINED, DO_NOT_TRY),
    Card("4000000000000069", "pm_card_chargeDeclinedExpiredCard", (), "expired_card", None,
         "Your card has expired.", CONFIRM_DATA),
    Card("4000000000000127", "pm_card_chargeDeclinedIncorrectCvc", (), "incorrect_cvc", None,
         "Your card's security code is incorrect.", CONFIRM_DATA),
    Card("4000000000000119", "pm_card_chargeDeclinedProcessingError", (), "processing_error", None,
         "An error occurred while processing your card. Try again in a little bit.", TRY_AGAIN),
    _decline("4000000000006975", "pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_velocity_exceeded",
             "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
             TRY_AGAIN),
    _decline("4100000000000019", "pm_card_radarBlock", "fraudulent", DECLINED, DO_NOT_TRY,
             aliases=("chargeDeclinedFraudulent",)),
    # 3-D Secure: always asked (3184, 3220 "3DS2 required"), and asked unless set up for off-session (3155)
    Card("4000002760003184", "pm_card_authenticationRequired", ("threeDSecureRequired",), requires_action=True),
    Card("4000000000003220", "pm_card_threeDSecure2Required", requires_action=True),
    Card("4000000000003063", None, requires_action=True),
    Card("4000002500003155", "pm_card_authenticationRequiredOnSetup", ("authenticationRequiredSetupForOffSession",),
         requires_action=True, set_up_exempts=True),
    # attaching to a Customer (and setting up) works, every charge is declined
    Card("4000000000000341", "pm_card_chargeCustomerFail", (), "card_declined", "generic_decline", DECLINED,
         DO_NOT_TRY, declines_on_setup=False),
    # paychaos's own cards (frozen / blocked accounts and issuer trouble):
    _decline("4000008400000019", "pm_card_chargeDeclinedRestrictedCard", "restricted_card", DECLINED, DO_NOT_TRY,
             own=True),
    _decline("4000008400000027", "pm_card_chargeDeclinedDoNotHonor", "do_not_honor", DECLINED, DO_NOT_TRY, own=True),
    _decline("4000008400000035", "pm_card_chargeDeclinedIssuerNotAvailable", "issuer_not_available", DECLINED,
             TRY_AGAIN, own=True),
    _decline("4000008400000043", "pm_card_chargeDeclinedTryAgainLater", "try_again_later", DECLINED, TRY_AGAIN,
             own=True),
    _decline("4000008400000050", "pm_card_chargeDeclinedTransactionNotAllowed", "transaction_not_allowed",
             DECLINED, DO_NOT_TRY, own=True),
    _decline("4000008400000068", "pm_card_chargeDeclinedInvalidAccount", "invalid_account", DECLINED, DO_NOT_TRY,
             own=True),
)

BY_NUMBER: dict[str, Card] = {card.number: card for card in CARDS}


def by_name(name: str) -> Card | None:
    """The card behind a test PaymentMethod name (what follows `pm_card_` or `tok_`), `visa_` optional
    before the charge* names: `chargeDeclined`, `visa_chargeDeclined`, `visa`."""
    return _NAMES.get(name) or (_NAMES.get(name[5:]) if name.startswith("visa_") else None)


_NAMES: dict[str, Card] = {name: card for card in CARDS for name in card.names}
