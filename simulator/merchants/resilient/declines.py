"""What a card problem means for the customer: the lexicon reason to show, and whether sending the
same payment details again could ever work. Lost, stolen and fraud declines are shown only as a
generic decline (stripe-facts.md); frozen or blocked accounts arrive as restricted_card and kin.

Also the checks a card form does before anything reaches the gateway (Luhn, expiry, CVC).
"""

from __future__ import annotations

import datetime as dt

from paychaos.common.masking import luhn_ok
from paychaos.merchants.checkout_input import RawCard

_BY_CODE = {
    "incorrect_number": "card_number", "invalid_number": "card_number",
    "expired_card": "expired", "invalid_expiry_month": "expired", "invalid_expiry_year": "expired",
    "incorrect_cvc": "cvc", "invalid_cvc": "cvc",
    "insufficient_funds": "insufficient_funds",
    "restricted_card": "account_restricted", "transaction_not_allowed": "account_restricted",
    "pickup_card": "account_restricted", "invalid_account": "account_restricted",
    "account_frozen": "account_restricted", "do_not_honor": "account_restricted",
    "card_velocity_exceeded": "velocity", "withdrawal_count_limit_exceeded": "velocity",
    "processing_error": "try_again", "try_again_later": "try_again", "issuer_not_available": "try_again",
    "approve_with_id": "try_again", "reenter_transaction": "try_again",
    "authentication_required": "authentication",
}
# Reasons where the same details may well work a moment later.
SOFT = {"try_again"}


def decline_reason(code: str | None, decline_code: str | None) -> str:
    """Lexicon reason for a card error; anything unnamed (lost, stolen, fraudulent...) is 'declined'."""
    return _BY_CODE.get(decline_code or "") or _BY_CODE.get(code or "") or "declined"


def is_hard(reason: str) -> bool:
    return reason not in SOFT


def check_card(card: RawCard, today: dt.date | None = None) -> str | None:
    """The lexicon reason a card form would reject this card for, or None when it looks fine."""
    digits = card.digits
    if not 12 <= len(digits) <= 19 or not luhn_ok(digits) or len(digits) != len(card.number.replace(" ", "").replace("-", "")):
        return "card_number"
    today = today or dt.date.today()
    try:
        month, year = int(card.exp_month), int(card.exp_year)
    except ValueError:
        return "expired"
    if year < 100:
        year += 2000
    if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
        return "expired"
    if not (card.cvc.isdigit() and 3 <= len(card.cvc) <= 4):
        return "cvc"
    return None
