"""What Lantern tells its customers, in its own (English) words, each with a next step."""

from __future__ import annotations

GENERIC_DECLINE = "Your card was declined. Please try a different card."
UNREACHABLE = "We couldn't reach our payment provider. Please try again in a few minutes."
NOT_TAKING_CARDS = ("We can't take card payments right now. Please try again later, or email "
                    "help@lantern.example and we'll sort it out.")
CONFIRMING = "We're confirming your payment with your bank. We'll email you as soon as it's through."
DECLINED_AFTER_LOSS = "Your payment failed. Please try again."   # the lost_told_failed defect's words

# Card error code or decline code -> message. Lost, stolen and fraudulent cards get the generic decline.
_BY_CODE = {
    "insufficient_funds": "Your card has insufficient funds. Please try a different card.",
    "expired_card": "Your card has expired. Please try a different card.",
    "invalid_expiry_year": "Your card's expiry date is invalid. Please check it and try again.",
    "invalid_expiry_month": "Your card's expiry date is invalid. Please check it and try again.",
    "incorrect_cvc": "Your card's security code is incorrect. Please check it and try again.",
    "invalid_cvc": "Your card's security code is incorrect. Please check it and try again.",
    "incorrect_number": "Your card number is incorrect. Please check it and try again.",
    "invalid_number": "Your card number is incorrect. Please check it and try again.",
    "processing_error": "Something went wrong processing your card. Please try again in a moment.",
    "try_again_later": "Your bank couldn't approve this payment right now. Please try again later.",
    "issuer_not_available": "Your bank couldn't be reached. Please try again in a few minutes.",
    "authentication_required": "Your bank needs to confirm this payment. Please try a different card.",
}


def for_card_error(code: str | None, decline_code: str | None) -> str:
    for key in (decline_code, code):
        if key in _BY_CODE:
            return _BY_CODE[key]
    return GENERIC_DECLINE
