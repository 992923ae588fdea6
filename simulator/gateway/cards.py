"""Test cards and test PaymentMethods: what each one does when a payment is confirmed.

Stripe's documented cards (stripe-facts.md) plus paychaos's own cards for the account problems
Stripe has no card for (numbers 40000084000000xx, Luhn-valid). The gateway keeps a card's outcome,
never its whole number.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
from dataclasses import dataclass

from paychaos.common.masking import luhn_ok
from paychaos.gateway.errors import StripeError

TRY_AGAIN = "try_again_later"
DO_NOT_TRY = "do_not_try_again"
CONFIRM_DATA = "confirm_card_data"


@dataclass(frozen=True)
class Outcome:
    """What confirming a payment with this card does. `code is None` means it succeeds."""

    code: str | None = None
    decline_code: str | None = None
    message: str = ""
    advice_code: str | None = None
    requires_action: bool = False
    set_up_exempts: bool = False  # 3DS asked unless the card was set up (SetupIntent) for off-session use
    declines_on_setup: bool = True  # False: setting the card up (and attaching it) works, charging fails

    @property
    def declines(self) -> bool:
        return self.code is not None


OK = Outcome()
THREE_DS = Outcome(requires_action=True)
THREE_DS_UNLESS_SET_UP = Outcome(requires_action=True, set_up_exempts=True)


def _decline(decline_code: str, message: str, advice: str) -> Outcome:
    return Outcome("card_declined", decline_code, message, advice)


DECLINED = "Your card was declined."
OUTCOMES: dict[str, Outcome] = {
    "4242424242424242": OK, "5555555555554444": OK, "378282246310005": OK, "4000056655665556": OK,
    "4000000000000002": _decline("generic_decline", DECLINED, DO_NOT_TRY),
    "4000000000009995": _decline("insufficient_funds", "Your card has insufficient funds.", TRY_AGAIN),
    "4000000000009987": _decline("lost_card", DECLINED, DO_NOT_TRY),
    "4000000000009979": _decline("stolen_card", DECLINED, DO_NOT_TRY),
    "4000000000000069": Outcome("expired_card", None, "Your card has expired.", CONFIRM_DATA),
    "4000000000000127": Outcome("incorrect_cvc", None, "Your card's security code is incorrect.", CONFIRM_DATA),
    "4000000000000119": Outcome("processing_error", None,
                                "An error occurred while processing your card. Try again in a little bit.",
                                TRY_AGAIN),
    "4000000000006975": _decline("card_velocity_exceeded",
                                 "Your card was declined for making repeated attempts too frequently "
                                 "or exceeding its amount limit.", TRY_AGAIN),
    "4100000000000019": _decline("fraudulent", DECLINED, DO_NOT_TRY),
    "4000002760003184": THREE_DS,
    "4000002500003155": THREE_DS_UNLESS_SET_UP,
    "4000000000003220": THREE_DS,
    "4000000000003063": THREE_DS,
    "4000000000000341": Outcome("card_declined", "generic_decline", DECLINED, DO_NOT_TRY, declines_on_setup=False),
    # paychaos's own cards (frozen / blocked accounts and issuer trouble):
    "4000008400000019": _decline("restricted_card", DECLINED, DO_NOT_TRY),
    "4000008400000027": _decline("do_not_honor", DECLINED, DO_NOT_TRY),
    "4000008400000035": _decline("issuer_not_available", DECLINED, TRY_AGAIN),
    "4000008400000043": _decline("try_again_later", DECLINED, TRY_AGAIN),
    "4000008400000050": _decline("transaction_not_allowed", DECLINED, DO_NOT_TRY),
    "4000008400000068": _decline("invalid_account", DECLINED, DO_NOT_TRY),
}

# Test PaymentMethod names (after `pm_card_` or `tok_`); a leading `visa_` is optional for declines.
TEST_METHODS: dict[str, str] = {
    "visa": "4242424242424242", "mastercard": "5555555555554444", "amex": "378282246310005",
    "visa_debit": "4000056655665556",
    "chargeDeclined": "4000000000000002",
    "chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedLostCard": "4000000000009987",
    "chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedExpiredCard": "4000000000000069",
    "chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119",
    "chargeDeclinedVelocityLimitExceeded": "4000000000006975",
    "radarBlock": "4100000000000019",
    "chargeDeclinedFraudulent": "4100000000000019",
    "authenticationRequired": "4000002760003184",
    "threeDSecureRequired": "4000002760003184",
    "authenticationRequiredOnSetup": "4000002500003155",
    "authenticationRequiredSetupForOffSession": "4000002500003155",
    "threeDSecure2Required": "4000000000003220",
    "chargeCustomerFail": "4000000000000341",
    "chargeDeclinedRestrictedCard": "4000008400000019",
    "chargeDeclinedDoNotHonor": "4000008400000027",
    "chargeDeclinedIssuerNotAvailable": "4000008400000035",
    "chargeDeclinedTryAgainLater": "4000008400000043",
    "chargeDeclinedTransactionNotAllowed": "4000008400000050",
    "chargeDeclinedInvalidAccount": "4000008400000068",
}


def test_method_number(pm_id: str) -> str | None:
    """The card number behind `pm_card_X`, `pm_card_visa_X`, `tok_X` or `tok_visa_X`; None if not a test id."""
    for prefix in ("pm_card_", "tok_"):
        if pm_id.startswith(prefix):
            name = pm_id[len(prefix):]
            if name in TEST_METHODS:
                return TEST_METHODS[name]
            if name.startswith("visa_") and name[5:] in TEST_METHODS:
                return TEST_METHODS[name[5:]]
    return None


def outcome_for(number: str) -> Outcome:
    return OUTCOMES.get(number, OK)


def brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("51", "52", "53", "54", "55") or number[:1] == "2":
        return "mastercard"
    if number[:2] in ("34", "37"):
        return "amex"
    if number.startswith("6"):
        return "discover"
    return "unknown"


@functools.lru_cache(maxsize=4096)
def card_details(number: str, exp_month: int, exp_year: int) -> dict:
    """The `card` hash of a PaymentMethod: brand, last4, expiry, fingerprint; never the number.

    Cached and shared between PaymentMethods: treat it as read-only."""
    return {
        "brand": brand(number), "last4": number[-4:], "exp_month": exp_month, "exp_year": exp_year,
        "country": "US", "funding": "debit" if number == "4000056655665556" else "credit",
        "fingerprint": hashlib.sha256(b"paychaos:" + number.encode()).hexdigest()[:16],
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "networks": {"available": [brand(number)], "preferred": None},
        "three_d_secure_usage": {"supported": True}, "wallet": None,
    }


def _digits(text: str) -> bool:
    """Only 0-9 (`str.isdigit` also takes '²' and other scripts' digits)."""
    return text.isascii() and text.isdigit()


def _card_error(code: str, message: str, param: str) -> StripeError:
    return StripeError(402, "card_error", message, code=code, param=param, should_retry=False)


def validate_raw_card(card: dict, prefix: str = "card", today: _dt.date | None = None) -> tuple[str, int, int]:
    """Check a raw card as Stripe does; returns (number, exp_month, exp_year) or raises a card_error."""
    today = today or _dt.date.today()
    number = "".join(str(card.get("number", "")).split())
    if not _digits(number) or not 12 <= len(number) <= 19 or not luhn_ok(number):
        raise _card_error("incorrect_number", "Your card number is incorrect.", f"{prefix}[number]")
    month_text, year_text = str(card.get("exp_month", "")), str(card.get("exp_year", ""))
    if not _digits(month_text) or len(month_text) > 4 or not 1 <= int(month_text) <= 12:
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                          f"{prefix}[exp_month]")
    if not _digits(year_text) or len(year_text) not in (2, 4):
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.", f"{prefix}[exp_year]")
    month, year = int(month_text), int(year_text)
    if year < 100:
        year += 2000
    if year < today.year or year > today.year + 50:
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.", f"{prefix}[exp_year]")
    if year == today.year and month < today.month:
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                          f"{prefix}[exp_month]")
    cvc = card.get("cvc")
    if cvc is not None:
        want = 4 if brand(number) == "amex" else 3
        if not (isinstance(cvc, str) and _digits(cvc) and len(cvc) == want):
            raise _card_error("invalid_cvc", "Your card's security code is invalid.", f"{prefix}[cvc]")
    return number, month, year
