"""What the merchants tell customers, in English and Chinese, built from the prompt lexicon of
docs/ARCHITECTURE.md (the scorer looks for those phrases: keep them inside these sentences).

One entry per reason; `message(reason, locale)` picks Chinese when the locale starts with "zh".
"""

from __future__ import annotations

# Methods offered when card payment is not possible (names fixed by docs/ARCHITECTURE.md).
OTHER_METHODS = ["alipay", "wechat_pay", "bank_transfer"]
# ... and after a decline, another card too.
AFTER_DECLINE = ["card", *OTHER_METHODS]

_METHODS_EN = "Alipay, WeChat Pay or bank transfer"
_METHODS_ZH = "支付宝、微信支付或银行转账"

MESSAGES: dict[str, tuple[str, str]] = {
    "paid": ("Thank you, payment received.", "支付成功，感谢您的购买。"),
    "pending": (
        "Your payment is being confirmed. We will let you know as soon as it is complete; "
        "please do not pay again.",
        "您的支付正在确认中，完成后我们会立即通知您，请勿重复支付。"),
    "unavailable": (
        f"Card payments are temporarily unavailable. Please try again later or choose another payment "
        f"method: {_METHODS_EN}.",
        f"银行卡支付暂时不可用，请稍后重试，或选择其他支付方式：{_METHODS_ZH}。"),
    "merchant_problem": (
        f"Card payments are temporarily unavailable. Please choose another payment method "
        f"({_METHODS_EN}) or contact support.",
        f"银行卡支付暂时不可用，请选择其他支付方式（{_METHODS_ZH}）或联系客服。"),
    "insufficient_funds": (
        "Your card was declined because of insufficient funds. Please use another payment method "
        "or contact your bank.",
        "您的卡因余额不足被拒绝。请使用其他支付方式或联系您的银行。"),
    "account_restricted": (
        "Your card account is restricted or frozen, so the payment was declined. Please contact your "
        "bank or use another payment method.",
        "您的卡账户受限或已冻结，支付被拒绝。请联系您的银行或使用其他支付方式。"),
    "expired": (
        "Your card has expired. Please check the expiry date or use another payment method.",
        "您的卡已过期。请检查有效期或使用其他支付方式。"),
    "cvc": (
        "The security code (CVC) is incorrect. Please check it and try again.",
        "安全码（CVC）不正确，请检查后重试。"),
    "card_number": (
        "The card number is not valid. Please check the card number and try again.",
        "卡号无效，请检查卡号后重试。"),
    "declined": (
        "Your card was declined. Please use another payment method or contact your bank.",
        "您的卡被拒绝。请使用其他支付方式或联系您的银行。"),
    "try_again": (
        "Your card could not be processed just now. Please try again in a moment or use another "
        "payment method.",
        "您的卡暂时无法处理，请稍后重试或使用其他支付方式。"),
    "velocity": (
        "Your card was declined: it has reached its limit of payments for now. Please contact your "
        "bank or use another payment method.",
        "您的卡被拒绝：已达到支付次数上限。请联系您的银行或使用其他支付方式。"),
    "authentication": (
        "Your bank asks for an extra verification that this checkout cannot complete. Please use "
        "another payment method or contact your bank.",
        "您的银行要求额外验证，本次支付无法完成。请使用其他支付方式或联系您的银行。"),
    "error": (
        "We could not complete your payment. Please try again later or contact support.",
        "我们未能完成您的支付，请稍后重试或联系客服。"),
    "canceled": ("Your order is canceled.", "您的订单已取消。"),
    "refunded": (
        "Your order is canceled and your payment has been refunded.",
        "您的订单已取消，款项已退回。"),
    "refund_pending": (
        "Your order is canceled; your refund is being processed.",
        "您的订单已取消，退款正在处理中。"),
}


def message(reason: str, locale: str = "en") -> str:
    english, chinese = MESSAGES[reason]
    return chinese if (locale or "").lower().startswith("zh") else english
