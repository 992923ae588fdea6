"""call_kind: what a gateway call means, whichever Stripe API the merchant uses."""

from __future__ import annotations

import pytest

from paychaos.common.call_kinds import KINDS, call_kind


@pytest.mark.parametrize("method, path, upstream, kind", [
    # payment: asks to move or authorise money, or set a card up for it
    ("POST", "/v1/payment_intents", "primary", "payment"),
    ("POST", "/v1/payment_intents/pi_123/confirm", "primary", "payment"),
    ("POST", "/v1/charges", "primary", "payment"),
    ("POST", "/v1/charges", "backup", "payment"),
    ("POST", "/v1/setup_intents", "primary", "payment"),
    ("POST", "/v1/setup_intents/seti_1/confirm", "primary", "payment"),
    ("POST", "/v1/checkout/sessions", "primary", "payment"),
    ("post", "/v1/payment_intents", "primary", "payment"),
    ("POST", "/v1/payment_intents/", "primary", "payment"),
    ("POST", "/v1/charges?expand[]=customer", "primary", "payment"),
    ("POST", "/v1/payment_intents/pi_1/confirm/", "primary", "payment"),
    # capture
    ("POST", "/v1/payment_intents/pi_1/capture", "primary", "capture"),
    ("POST", "/v1/charges/ch_1/capture", "primary", "capture"),
    # refund (a PaymentIntent cancel releases an authorisation)
    ("POST", "/v1/refunds", "primary", "refund"),
    ("POST", "/v1/charges/ch_1/refund", "primary", "refund"),
    ("POST", "/v1/charges/ch_1/refunds", "primary", "refund"),
    ("POST", "/v1/payment_intents/pi_1/cancel", "primary", "refund"),
    # lookup: any GET under /v1
    ("GET", "/v1/payment_intents/pi_1", "primary", "lookup"),
    ("GET", "/v1/payment_intents/search?query=metadata%5B%27order_id%27%5D", "primary", "lookup"),
    ("GET", "/v1/charges", "primary", "lookup"),
    ("GET", "/v1/customers/cus_1/payment_methods", "primary", "lookup"),
    ("GET", "/v1/refunds/re_1/", "backup", "lookup"),
    # customer
    ("POST", "/v1/customers", "primary", "customer"),
    ("POST", "/v1/customers/cus_1", "primary", "customer"),
    ("DELETE", "/v1/customers/cus_1", "primary", "customer"),
    ("POST", "/v1/payment_methods", "primary", "customer"),
    ("POST", "/v1/payment_methods/pm_1/attach", "primary", "customer"),
    ("POST", "/v1/payment_methods/pm_1/detach", "primary", "customer"),
    ("POST", "/v1/tokens", "primary", "customer"),
    # webhook: anything on the webhooks leg
    ("POST", "/webhooks/stripe", "webhooks", "webhook"),
    ("POST", "/v1/payment_intents", "webhooks", "webhook"),
    # other
    ("POST", "/v1/payment_intents/pi_1", "primary", "other"),
    ("POST", "/v1/charges/ch_1", "primary", "other"),
    ("POST", "/v1/refunds/re_1", "primary", "other"),
    ("POST", "/v1/setup_intents/seti_1/cancel", "primary", "other"),
    ("POST", "/v1/checkout/sessions/cs_1/expire", "primary", "other"),
    ("POST", "/v1/webhook_endpoints", "primary", "other"),
    ("DELETE", "/v1/webhook_endpoints/we_1", "primary", "other"),
    ("PUT", "/v1/charges", "primary", "other"),
    ("GET", "/_sim/ledger", "primary", "other"),
    ("POST", "/checkout", "primary", "other"),
    ("GET", "/v1", "primary", "other"),
])
def test_call_kind(method, path, upstream, kind):
    assert call_kind(method, path, upstream) == kind
    assert kind in KINDS


def test_upstream_defaults_to_a_gateway():
    assert call_kind("POST", "/v1/charges") == "payment"


# -- WeChat Pay v3 (kept apart from the Stripe cases above) -----------------------------------------

def test_wechatpay_calls_have_their_kinds():
    from paychaos.common.call_kinds import call_kind

    cases = {
        ("POST", "/v3/pay/transactions/jsapi"): "payment",
        ("POST", "/v3/pay/transactions/native"): "payment",
        ("POST", "/v3/pay/transactions/h5"): "payment",
        ("POST", "/v3/pay/transactions/app"): "payment",
        ("POST", "/v3/pay/partner/transactions/native"): "payment",
        ("GET", "/v3/pay/transactions/out-trade-no/T1?mchid=1900000109"): "lookup",
        ("GET", "/v3/pay/transactions/id/4200000001"): "lookup",
        ("GET", "/v3/refund/domestic/refunds/R1"): "lookup",
        ("GET", "/v3/certificates"): "lookup",
        ("POST", "/v3/pay/transactions/out-trade-no/T1/close"): "refund",
        ("POST", "/v3/refund/domestic/refunds"): "refund",
        ("POST", "/v3/marketing/favor/stocks"): "other",
        ("POST", "/pay/wx/checkmweb?prepay_id=wx1"): "other",
    }
    for (method, path), kind in cases.items():
        assert call_kind(method, path) == kind, (method, path)
    assert call_kind("POST", "/notify/wechat", "webhooks") == "webhook"
