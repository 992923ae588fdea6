"""Test cards and test PaymentMethods: what each one does when a payment is confirmed.

The cards themselves are one table shared with the scenarios (`paychaos.common.test_cards`): Stripe's
documented cards plus paychaos's own for the account problems Stripe has no card for. The gateway keeps
a card's outcome, never its whole number.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
from dataclasses import dataclass

from paychaos.common import test_cards
from paychaos.common.masking import luhn_ok
from paychaos.gateway.errors import StripeError


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


def _outcome(card: test_cards.Card) -> Outcome:
    return Outcome(card.code, card.decline_code, card.message, card.advice_code, card.requires_action,
                   card.set_up_exempts, card.declines_on_setup)


# What each test card number does (paychaos.common.test_cards, the table scenarios read too).
OUTCOMES: dict[str, Outcome] = {card.number: _outcome(card) for card in test_cards.CARDS}

# Test PaymentMethod names (after `pm_card_` or `tok_`) -> card number; a leading `visa_` is optional for
# the charge* names.
TEST_METHODS: dict[str, str] = {name: card.number for card in test_cards.CARDS for name in card.names}


def test_method_number(pm_id: str) -> str | None:
    """The card number behind `pm_card_X`, `pm_card_visa_X`, `tok_X` or `tok_visa_X`; None if not a test id."""
    for prefix in ("pm_card_", "tok_"):
        if pm_id.startswith(prefix):
            card = test_cards.by_name(pm_id[len(prefix):])
            return card.number if card else None
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
