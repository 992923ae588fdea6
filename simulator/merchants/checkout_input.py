"""The body of POST /checkout (docs/ARCHITECTURE.md), checked and normalised.

`payment_method` (a gateway token such as pm_card_visa) is used when it is non-empty; otherwise
`card` ({number, exp_month, exp_year, cvc}) must carry a number and becomes a PaymentMethod at the
gateway. Placeholders the driver could not fill arrive as "" or null and count as absent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


class CheckoutInputError(ValueError):
    """The checkout request itself is malformed (answered with HTTP 400)."""


@dataclass(frozen=True)
class RawCard:
    number: str
    exp_month: str
    exp_year: str
    cvc: str

    @property
    def digits(self) -> str:
        return "".join(c for c in self.number if c.isdigit())

    def gateway_params(self) -> dict:
        return {"type": "card", "card": {"number": self.digits, "exp_month": self.exp_month,
                                         "exp_year": self.exp_year, "cvc": self.cvc}}


@dataclass(frozen=True)
class CheckoutInput:
    order_id: str
    amount: int
    currency: str
    locale: str
    payment_method: str | None
    card: RawCard | None
    customer_name: str = ""
    customer_email: str = ""

    @property
    def fingerprint(self) -> str:
        """Identifies the payment details without keeping them (to spot a resubmitted hard decline)."""
        raw = self.payment_method or (self.card and "|".join(
            (self.card.digits, self.card.exp_month, self.card.exp_year, self.card.cvc))) or ""
        return hashlib.sha256(f"{self.amount}|{self.currency}|{raw}".encode()).hexdigest()[:16]

    @property
    def chinese(self) -> bool:
        return self.locale.lower().startswith("zh")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_checkout(body: object) -> CheckoutInput:
    if not isinstance(body, dict):
        raise CheckoutInputError("the body must be a JSON object")
    order_id = _text(body.get("order_id"))
    if not order_id or len(order_id) > 200 or "/" in order_id:
        raise CheckoutInputError("order_id is required (up to 200 characters, no '/')")
    amount = body.get("amount")
    if isinstance(amount, str) and amount.strip().isdigit():
        amount = int(amount)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise CheckoutInputError("amount must be a positive whole number of minor units (cents)")
    currency = _text(body.get("currency") or "usd").lower()
    if len(currency) != 3 or not currency.isalpha():
        raise CheckoutInputError("currency must be a three-letter ISO code such as usd")
    customer = body.get("customer") or {}
    if not isinstance(customer, dict):
        raise CheckoutInputError("customer must be an object {name, email, locale}")
    token = _text(body.get("payment_method")) or None
    card = None
    raw = body.get("card")
    if token is None and isinstance(raw, dict) and _text(raw.get("number")):
        card = RawCard(_text(raw.get("number")), _text(raw.get("exp_month")), _text(raw.get("exp_year")),
                       _text(raw.get("cvc")))
    if token is None and card is None:
        raise CheckoutInputError("give payment_method (a token such as pm_card_visa) or card {number, ...}")
    return CheckoutInput(order_id, amount, currency, _text(customer.get("locale")) or "en",
                         token, card, _text(customer.get("name")), _text(customer.get("email")))
