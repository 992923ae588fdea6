"""梅子茶铺's card desk: with `--stripe-primary`, a checkout first charges the card through Stripe (the stripe
SDK, a PaymentIntent confirmed at once, one Idempotency-Key per order) and falls back to Alipay only when
Stripe stays unreachable. The target file says `dialect: {primary: stripe, backup: alipay}`.

A careful shop retries Stripe with the same key before falling back: a lost answer is then the charge
Stripe already made. Planted defect `blind_fallback` (PLUM_DEFECTS): the first error sends the order to
Alipay, so a charge whose answer was lost is made again there: a double charge across two gateways."""

from __future__ import annotations

import os
import time

import stripe

TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
TRIES = 3
PAUSE_S = 0.3


class StripeDesk:
    def __init__(self, defects: frozenset[str]):
        self.client = stripe.StripeClient(os.environ.get("STRIPE_API_KEY", "sk_test_plum"),
                                          base_addresses={"api": os.environ["STRIPE_API_BASE"]},
                                          http_client=stripe.RequestsClient(timeout=10), max_network_retries=0)
        self.defects = defects

    def charge(self, *, order_id: str, fen: int, token: str) -> tuple[str, str | None]:
        """("paid" | "declined" | "unreachable", the decline code)."""
        for attempt in range(TRIES):
            try:
                intent = self.client.payment_intents.create(
                    params={"amount": fen, "currency": "cny", "payment_method": token, "confirm": True,
                            "payment_method_types": ["card"], "metadata": {"order_id": order_id}},
                    options={"idempotency_key": f"plum-{order_id}"})
            except stripe.CardError as exc:
                return "declined", exc.code
            except TRANSIENT:
                if "blind_fallback" in self.defects:
                    return "unreachable", None   # defect: no second try with the same key
                time.sleep(PAUSE_S * (attempt + 1))
                continue
            return ("paid", None) if intent.status == "succeeded" else ("declined", intent.status)
        return "unreachable", None
