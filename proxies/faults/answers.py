"""Faults that make up or rewrite the gateway's answer: errors, rate limits, declines, bad bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from paychaos.common import test_cards
from paychaos.proxies.faults import stripe_errors, wechatpay_errors
from paychaos.proxies.faults.base import Exchange, Fault, param, register


@register
@dataclass(frozen=True)
class HttpError(Fault):
    """Answer with a Stripe-style error body and this HTTP status; the upstream is not contacted."""

    name = "http_error"
    status: int = param(min=400, max=599, help="HTTP status")
    retry_after_s: float | None = param(None, min=0, max=86_400, help="Retry-After header")
    should_retry: bool | None = param(None, help="Stripe-Should-Retry header")
    message: str | None = None

    async def on_request(self, ex: Exchange) -> None:
        type_ = "api_error" if self.status >= 500 else "invalid_request_error"
        text = self.message or ("An error occurred with our connection to Stripe. (paychaos http_error "
                                f"{self.status})")
        body = wechatpay_errors.adapt(ex.path, self.status, stripe_errors.error_body(type_, text))
        ex.respond(self.status, body,
                   stripe_errors.error_headers(retry_after_s=self.retry_after_s,
                                               should_retry=self.should_retry))


@register
@dataclass(frozen=True)
class RateLimit(Fault):
    """Answer 429 rate_limit with Retry-After; the upstream is not contacted."""

    name = "rate_limit"
    retry_after_s: float = param(1.0, min=0, max=86_400, help="Retry-After header")

    async def on_request(self, ex: Exchange) -> None:
        body = stripe_errors.error_body(
            "invalid_request_error", "Too many requests hit the API too quickly. (paychaos rate_limit)",
            code="rate_limit")
        ex.respond(429, wechatpay_errors.adapt(ex.path, 429, body), stripe_errors.error_headers(retry_after_s=self.retry_after_s))


@register
@dataclass(frozen=True)
class AuthError(Fault):
    """Answer 401 (invalid API key) or 403 (key lacks permission); the upstream is not contacted."""

    name = "auth_error"
    status: Literal[401, 403] = 401

    async def on_request(self, ex: Exchange) -> None:
        if self.status == 401:
            body = stripe_errors.error_body("invalid_request_error",
                                            "Invalid API Key provided: sk_test_********. (paychaos auth_error)")
        else:
            body = stripe_errors.error_body(
                "invalid_request_error",
                "The provided key does not have the required permissions for this endpoint on this "
                "account. (paychaos auth_error)", code="secret_key_required")
        ex.respond(self.status, wechatpay_errors.adapt(ex.path, self.status, body),
                   stripe_errors.error_headers(should_retry=False))


@register
@dataclass(frozen=True)
class Malformed(Fault):
    """Cut the upstream's answer in half (truncate) or replace it with an HTML page (garbage)."""

    name = "malformed"
    mode: Literal["truncate", "garbage"] = "truncate"
    status: int | None = param(None, min=100, max=599, help="status to send; default: the upstream's")

    async def on_response(self, ex: Exchange) -> None:
        if self.mode == "truncate":
            body = ex.response_body()
            ex.replace_response(self.status, body[: len(body) // 2])
        else:
            page = b"<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
            ex.replace_response(self.status, page, {"Content-Type": "text/html"})


# A decline code -> the gateway test PaymentMethod that declines that way for real (stripe-facts.md).
DECLINING_METHODS = {
    ("card_declined", "generic_decline"): "pm_card_visa_chargeDeclined",
    ("card_declined", "insufficient_funds"): "pm_card_visa_chargeDeclinedInsufficientFunds",
    ("card_declined", "lost_card"): "pm_card_visa_chargeDeclinedLostCard",
    ("card_declined", "stolen_card"): "pm_card_visa_chargeDeclinedStolenCard",
    ("card_declined", "card_velocity_exceeded"): "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
    ("card_declined", "fraudulent"): "pm_card_radarBlock",
    ("expired_card", None): "pm_card_chargeDeclinedExpiredCard",
    ("incorrect_cvc", None): "pm_card_chargeDeclinedIncorrectCvc",
    ("processing_error", None): "pm_card_chargeDeclinedProcessingError",
}
MESSAGES = {
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
}


@register
@dataclass(frozen=True)
class Decline(Fault):
    """Decline a payment for real (no money moves): a Stripe card_error (402) with this code.

    The gateway is sent a test card that declines the same way; the client gets the error shaped for
    the API it called (PaymentIntent or SetupIntent embedded, or the Charge's id)."""

    name = "decline"
    kinds = ("payment",)
    code: str = "card_declined"
    decline_code: str | None = None
    message: str | None = None

    def effective_decline_code(self) -> str | None:
        if self.decline_code:
            return self.decline_code
        return "generic_decline" if self.code == "card_declined" else None

    def declining_method(self) -> str:
        return DECLINING_METHODS.get((self.code, self.effective_decline_code())) or \
            DECLINING_METHODS[("card_declined", "generic_decline")]

    async def on_request(self, ex: Exchange) -> None:
        # The card the request names is swapped for a test card that declines the same way, so the
        # gateway declines for real and its ledger agrees with what the client is told.
        resource, action = _resource_and_action(ex.path)
        sent = _request_keys(ex)
        method = self.declining_method()
        if resource == "charges" and action is None:
            if "payment_method" in sent:
                ex.set_request_field("payment_method", method)
            else:  # `source=tok_visa` (or a customer's default source, which the decline replaces)
                ex.set_request_field("source", "tok_" + method.removeprefix("pm_card_"))
        elif resource in ("payment_intents", "setup_intents", "payment_pages") and \
                "payment_method_data[card][number]" in sent:
            # a card the customer typed (stripe.js's confirm): the same decline, by the test card's number
            card = test_cards.by_name(method.removeprefix("pm_card_"))
            if card is not None:
                ex.set_request_field("payment_method_data[card][number]", card.number)
        elif resource in ("payment_intents", "setup_intents", "payment_pages") and not any(
                k.startswith("payment_method_data") for k in sent):
            # create: only when it names a card (then its confirm, now or later, declines); confirm:
            # always (a confirm may name a card, else it uses the one attached at create).
            if action == "confirm" or "payment_method" in sent:
                ex.set_request_field("payment_method", method)

    async def on_response(self, ex: Exchange) -> None:
        status, body = ex.response_status(), ex.response_json()
        gw_error = body.get("error") if isinstance(body, dict) else None
        if status == 402 and isinstance(gw_error, dict) and gw_error.get("type") == "card_error":
            ex.replace_response(402, {"error": self.card_error(gw_error)},
                                stripe_errors.error_headers(should_retry=False))
        elif status is not None and 200 <= status < 300 and isinstance(body, dict) and \
                body.get("status") == "requires_confirmation" and self.declining_method() in \
                ex.request_body().decode("utf-8", "replace"):
            pass  # an intent created with the declining card: its confirm declines
        else:
            # Nothing was declined (no card to swap, a Checkout Session, an error, money already
            # moved): the answer passes unchanged and the journal does not claim a decline.
            ex.not_applied()

    def card_error(self, gw_error: dict) -> dict:
        """Stripe's card_error with this fault's code, carrying the ids of the gateway's own decline:
        `charge` (Charges API), `payment_intent` / `setup_intent` with their last error."""
        decline_code = self.effective_decline_code()
        message = self.message or MESSAGES.get(decline_code or self.code) or "Your card was declined."
        error = {"type": "card_error", "code": self.code, "message": message, "param": None,
                 "doc_url": f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}",
                 "request_log_url": None}
        if decline_code:
            error["decline_code"] = decline_code
        if isinstance(gw_error.get("charge"), str):
            error["charge"] = gw_error["charge"]
        last = dict(error)
        intent = gw_error.get("payment_intent")
        if isinstance(intent, dict):
            error["payment_intent"] = dict(intent, status="requires_payment_method", amount_received=0,
                                           amount_capturable=0, last_payment_error=last)
            if intent.get("latest_charge") and "charge" not in error:
                error["charge"] = intent["latest_charge"]
        setup = gw_error.get("setup_intent")
        if isinstance(setup, dict):
            error["setup_intent"] = dict(setup, status="requires_payment_method", last_setup_error=last)
        pm = gw_error.get("payment_method")
        if isinstance(pm, dict):
            error["payment_method"] = pm
        elif isinstance(intent, dict) and isinstance(intent.get("payment_method"), str):
            error["payment_method"] = {"id": intent["payment_method"], "object": "payment_method"}
        return error


def _resource_and_action(path: str) -> tuple[str, str | None]:
    """`/v1/charges` -> ("charges", None); `/v1/payment_intents/pi_1/confirm` -> ("payment_intents", "confirm")."""
    parts = path.removeprefix("/v1/").rstrip("/").split("/")
    return parts[0], (parts[2] if len(parts) == 3 else None)


def _request_keys(ex: Exchange) -> set[str]:
    """The top-level parameter names of the request body (form-encoded, as Stripe clients send, or JSON)."""
    body = ex.request_body()
    if "json" in (ex.request_header("content-type") or ""):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return set()
        return set(data) if isinstance(data, dict) else set()
    return {key for key, _ in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)}
