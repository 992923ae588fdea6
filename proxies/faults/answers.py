"""Faults that make up or rewrite the gateway's answer: errors, rate limits, declines, bad bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from proxies.faults import stripe_errors
from proxies.faults.base import Exchange, Fault, param, register


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
        ex.respond(self.status, stripe_errors.error_body(type_, text),
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
        ex.respond(429, body, stripe_errors.error_headers(retry_after_s=self.retry_after_s))


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
        ex.respond(self.status, body, stripe_errors.error_headers(should_retry=False))


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
SUCCESS_STATES = ("succeeded", "requires_capture", "processing")


@register
@dataclass(frozen=True)
class Decline(Fault):
    """Turn a payment into a Stripe card_error (402) with this code, the intent left unpaid."""

    name = "decline"
    code: str = "card_declined"
    decline_code: str | None = None
    message: str | None = None

    def effective_decline_code(self) -> str | None:
        if self.decline_code:
            return self.decline_code
        return "generic_decline" if self.code == "card_declined" else None

    async def on_request(self, ex: Exchange) -> None:
        # Where the request names its payment method, the gateway declines for real: the intent's
        # state in the gateway's ledger then agrees with what the client is told.
        if ex.method == "POST" and ex.fields.get("payment_method") and ex.path.startswith("/v1/payment_intents"):
            method = DECLINING_METHODS.get((self.code, self.effective_decline_code())) or \
                DECLINING_METHODS[("card_declined", "generic_decline")]
            ex.set_request_field("payment_method", method)

    async def on_response(self, ex: Exchange) -> None:
        status, body = ex.response_status(), ex.response_json()
        if not isinstance(body, dict):
            return
        intent = None
        if status == 402 and isinstance(body.get("error"), dict):
            intent = body["error"].get("payment_intent")
        elif status is not None and 200 <= status < 300 and body.get("object") == "payment_intent" \
                and body.get("status") in SUCCESS_STATES:
            intent = body
        else:
            return
        decline_code = self.effective_decline_code()
        message = self.message or MESSAGES.get(decline_code or self.code) or "Your card was declined."
        error = {"type": "card_error", "code": self.code, "message": message, "param": None,
                 "doc_url": f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}",
                 "request_log_url": None}
        if decline_code:
            error["decline_code"] = decline_code
        if isinstance(intent, dict):
            intent = dict(intent, status="requires_payment_method", amount_received=0,
                          amount_capturable=0, last_payment_error=dict(error))
            error["payment_intent"] = intent
            if intent.get("latest_charge"):
                error["charge"] = intent["latest_charge"]
            if isinstance(intent.get("payment_method"), str):
                error["payment_method"] = {"id": intent["payment_method"], "object": "payment_method"}
        ex.replace_response(402, {"error": error}, stripe_errors.error_headers(should_retry=False))
