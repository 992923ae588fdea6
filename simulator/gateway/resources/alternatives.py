"""Payments the customer finishes elsewhere: Alipay, WeChat Pay, bank transfer (customer_balance),
and 3-D Secure. The intent waits in requires_action with its next_action until
`/_sim/payment_intents/{id}/complete` or `/fail` plays the customer's part."""

from __future__ import annotations

from paychaos.common.stripe_hosts import HOOKS_BASE
from paychaos.gateway.cards import Outcome
from paychaos.gateway.errors import ParamError, StripeError
from paychaos.gateway.resources import charges
from paychaos.gateway.routing import Call


def _redirect(call: Call, pi: dict, kind: str) -> str:
    return f"{call.base_url}/_sim/redirect/{kind}/{pi['id']}"


def start(gw, pi: dict, pm: dict, p: dict, call: Call) -> dict:
    kind = pm["type"]
    return_url = p.get("return_url")
    if kind == "alipay":
        if not return_url:
            raise ParamError("You must provide a return_url when confirming a PaymentIntent with the "
                             "payment method type alipay.", "return_url", "parameter_missing")
        url = _redirect(call, pi, "alipay")
        pi["next_action"] = {"type": "alipay_handle_redirect", "alipay_handle_redirect": {
            "native_data": None, "native_url": None, "return_url": return_url, "url": url}}
    elif kind == "wechat_pay":
        data = f"weixin://wxpay/bizpayurl?pr={pi['id'][-10:]}"
        pi["next_action"] = {"type": "wechat_pay_display_qr_code", "wechat_pay_display_qr_code": {
            "data": data, "hosted_instructions_url": _redirect(call, pi, "wechat_pay"),
            "image_data_url": "data:image/png;base64,", "image_url_png": _redirect(call, pi, "wechat_pay") + ".png",
            "image_url_svg": _redirect(call, pi, "wechat_pay") + ".svg"}}
    elif kind == "customer_balance":
        if not pi["customer"]:
            raise StripeError(400, "invalid_request_error", "A customer is required to confirm a PaymentIntent "
                              "with the customer_balance payment method.", code="parameter_missing",
                              param="customer")
        reference = pi["id"][-8:].upper()
        pi["next_action"] = {"type": "display_bank_transfer_instructions", "display_bank_transfer_instructions": {
            "amount_remaining": pi["amount"], "currency": pi["currency"], "reference": reference,
            "type": "us_bank_transfer", "hosted_instructions_url": _redirect(call, pi, "bank_transfer"),
            "financial_addresses": [{"type": "aba", "supported_networks": ["ach", "domestic_wire_us"],
                                     "aba": {"account_number": "0000001234", "bank_name": "PAYCHAOS TEST BANK",
                                             "routing_number": "110000000"}}]}}
    pi["status"] = "requires_action"
    gw.store.emit("payment_intent.requires_action", pi, call.request_id, call.idempotency_key)
    return pi


def challenge_url(call: Call, obj: dict) -> str:
    """The gateway-hosted 3-D Secure challenge page (hosted.py) for an intent (pi_ or seti_); on Stripe's
    https://hooks.stripe.com/redirect/authenticate/ when the call came through forward mode."""
    if call.checkout_url:   # forward mode (the proxy marked the call): Stripe's names in what is handed out
        return f"{HOOKS_BASE}/{obj['id']}"
    return f"{call.base_url}/_3ds/{obj['id']}"


def challenge_action(call: Call, obj: dict, p: dict, source: str) -> dict:
    """The `next_action` of an intent (pi_ or seti_) whose card asks for 3-D Secure: a redirect to the
    challenge page when the confirm gave a return_url, else for Stripe.js to handle (`source`: the card)."""
    url = challenge_url(call, obj)
    if p.get("return_url"):
        return {"type": "redirect_to_url", "redirect_to_url": {"url": url, "return_url": p["return_url"]}}
    return {"type": "use_stripe_sdk", "use_stripe_sdk": {
        "type": "three_d_secure_redirect", "stripe_js": url, "source": source}}


def require_3ds(gw, pi: dict, p: dict, call: Call) -> dict:
    pi["next_action"] = challenge_action(call, pi, p, pi["payment_method"])
    pi["status"] = "requires_action"
    gw.store.emit("payment_intent.requires_action", pi, call.request_id, call.idempotency_key)
    return pi


def complete(gw, pi: dict, call: Call) -> dict:
    """The customer paid (scanned the QR code, approved in Alipay, wired the money, passed 3DS)."""
    from paychaos.gateway.resources.payment_intents import succeed  # payment_intents imports this module

    _expect_action(pi)
    pm = gw.store.payment_methods.get(pi["payment_method"])
    succeed(gw, pi, pm, call)
    _settled(gw, pi, call)
    return pi


def fail(gw, pi: dict, call: Call) -> dict:
    """The customer abandoned or failed the step: back to requires_payment_method with an error."""
    _expect_action(pi)
    pm = gw.store.payment_methods.get(pi["payment_method"])
    three_ds = pm["type"] == "card"
    code = "payment_intent_authentication_failure" if three_ds else "payment_intent_payment_attempt_failed"
    message = ("The provided PaymentMethod has failed authentication." if three_ds
               else f"The customer did not complete the {pm['type']} payment.")
    if three_ds:
        charges.make(gw, pi, pm, Outcome(code, None, message, "try_again_later"), False)
    pi["status"] = "requires_payment_method"
    pi["next_action"] = None
    pi["last_payment_error"] = {"type": "card_error" if three_ds else "invalid_request_error", "code": code,
                                "message": message, "payment_method": dict(pm),
                                "doc_url": f"https://stripe.com/docs/error-codes/{code}"}
    pi["payment_method"] = None
    gw.store.emit("payment_intent.payment_failed", pi, call.request_id, None)
    _settled(gw, pi, call)
    return pi


def _settled(gw, pi: dict, call: Call) -> None:
    """Tell the intent's Checkout Session, if it has one (completed, or async_payment_* events)."""
    if pi["id"] in gw.store.cs_by_intent:
        from paychaos.gateway.resources import (
            checkout_sessions,  # it imports payment_intents, which imports us
        )

        checkout_sessions.intent_settled(gw, pi, call)


def _expect_action(pi: dict) -> None:
    if pi["status"] != "requires_action":
        raise StripeError(400, "invalid_request_error",
                          f"PaymentIntent {pi['id']} has status {pi['status']}; only an intent in "
                          f"requires_action (Alipay, WeChat Pay, bank transfer, 3-D Secure) waits for the customer.",
                          code="payment_intent_unexpected_state")
