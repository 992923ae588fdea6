"""Stripe's error object and the exception the gateway raises to answer with one."""

from __future__ import annotations

from paychaos.common.masking import mask_text

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """Answered as `{"error": {...}}` with `status`. `saved` says whether an idempotency key keeps it."""

    saved = True

    def __init__(self, status: int, type_: str, message: str, *, code: str | None = None,
                 param: str | None = None, decline_code: str | None = None,
                 advice_code: str | None = None, payment_intent: dict | None = None,
                 payment_method: dict | None = None, charge: str | None = None,
                 should_retry: bool | None = None, setup_intent: dict | None = None):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.advice_code = advice_code
        self.payment_intent = payment_intent
        self.payment_method = payment_method
        self.charge = charge
        self.should_retry = should_retry
        self.setup_intent = setup_intent

    def body(self, request_id: str) -> dict:
        err: dict = {"type": self.type, "message": mask_text(self.message)}  # messages may echo input
        if self.code:
            err["code"] = self.code
            err["doc_url"] = DOC_BASE + self.code
        for name in ("param", "decline_code", "advice_code", "charge", "payment_intent", "payment_method",
                     "setup_intent"):
            value = getattr(self, name)
            if value is not None:
                err[name] = value
        err["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": err}


class ParamError(StripeError):
    """A parameter-validation 400: never saved under an idempotency key, so a corrected retry runs."""

    saved = False

    def __init__(self, message: str, param: str | None, code: str = "parameter_invalid"):
        super().__init__(400, "invalid_request_error", message, code=code, param=param)


def missing(resource: str, ident: str, param: str = "id") -> StripeError:
    return StripeError(404, "invalid_request_error", f"No such {resource}: '{ident}'",
                       code="resource_missing", param=param)


def lookup(table, resource: str, ident: str, param: str = "id") -> dict:
    """The stored object `ident` of `table`, or Stripe's 404 resource_missing naming `param`."""
    obj = table.get(ident)
    if obj is None:
        raise missing(resource, ident, param)
    return obj


def unexpected_state(obj: dict, action: str, allowed: tuple[str, ...]) -> StripeError:
    kind = obj["object"].replace("_", "")
    return StripeError(
        400, "invalid_request_error",
        f"This {obj['object'].replace('_', ' ')} could not be {action} because it has a status of "
        f"{obj['status']}. Only a {kind} with one of the following statuses may be {action}: "
        f"{', '.join(allowed)}.",
        code=f"{obj['object']}_unexpected_state",
    )
