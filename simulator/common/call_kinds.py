"""What a call to a Stripe-shaped gateway means, whatever API the merchant uses: the kind of call.

A fault rule can match `kind: payment` instead of a path glob, so one scenario hits the payment call
of a PaymentIntents integration (create, confirm), a Charges one, a SetupIntent or a Checkout
Session alike; the scoring code counts calls by the same kinds. Imports nothing of paychaos (the
proxy and the suite both use it).

- payment  asks to move or authorise money, or set a card up for it: POST /v1/payment_intents,
           .../payment_intents/{id}/confirm, /v1/charges, /v1/setup_intents, .../setup_intents/{id}/confirm,
           /v1/checkout/sessions, /v1/payment_pages/{cs}/confirm (the hosted Checkout page's Pay)
- capture  POST .../payment_intents/{id}/capture, /v1/charges/{id}/capture
- refund   releases money: POST /v1/refunds, /v1/charges/{id}/refund(s), and
           .../payment_intents/{id}/cancel (a cancel releases an authorisation)
- lookup   any GET under /v1 (retrieve, list, search)
- customer POST or DELETE under /v1/customers, /v1/payment_methods (create, attach, detach),
           /v1/tokens, /v1/sources
- webhook  anything on the `webhooks` upstream (the gateway's deliveries to the merchant)
- other    the rest (updates, other resources, paths outside /v1)

Query strings are ignored and trailing slashes tolerated; the method is compared upper-case.

Alipay's OpenAPI (docs/gateway-alipay.md) puts every call on one path, `/gateway.do`; its kind comes
from the API method (`api_method`, the `method` parameter the proxy's journal records):
payment  alipay.trade.pay, .create, .precreate, .page.pay, .wap.pay, .app.pay
lookup   alipay.trade.query, alipay.trade.fastpay.refund.query
refund   alipay.trade.refund, .cancel, .close

WeChat Pay v3 (docs/gateway-wechatpay.md) calls are paths under /v3/ (wechatpay_kind, below).
"""

from __future__ import annotations

KINDS = ("payment", "capture", "refund", "lookup", "customer", "webhook", "other")

# POST /v1/<resource>/{id}/<action> -> kind; (resource, None) is the create call, POST /v1/<resource>.
_POST_KINDS = {
    ("payment_intents", None): "payment",
    ("payment_intents", "confirm"): "payment",
    ("payment_intents", "capture"): "capture",
    ("payment_intents", "cancel"): "refund",
    ("charges", None): "payment",
    ("charges", "capture"): "capture",
    ("charges", "refund"): "refund",
    ("charges", "refunds"): "refund",
    ("setup_intents", None): "payment",
    ("setup_intents", "confirm"): "payment",
    ("refunds", None): "refund",
    ("payment_pages", "confirm"): "payment",
}
_CUSTOMER_RESOURCES = frozenset(("customers", "payment_methods", "tokens", "sources"))


ALIPAY_KINDS = {
    "alipay.trade.pay": "payment", "alipay.trade.create": "payment", "alipay.trade.precreate": "payment",
    "alipay.trade.page.pay": "payment", "alipay.trade.wap.pay": "payment", "alipay.trade.app.pay": "payment",
    "alipay.trade.query": "lookup", "alipay.trade.fastpay.refund.query": "lookup",
    "alipay.trade.refund": "refund", "alipay.trade.cancel": "refund", "alipay.trade.close": "refund",
}


def call_kind(method: str, path: str, upstream: str = "primary", api_method: str | None = None) -> str:
    """The kind of one call (one of KINDS): `call_kind("POST", "/v1/charges")` is "payment";
    `call_kind("POST", "/gateway.do", api_method="alipay.trade.pay")` too."""
    if upstream == "webhooks":
        return "webhook"
    if "?" in path:
        path = path.split("?", 1)[0]
    if api_method is not None or path.endswith("/gateway.do"):
        return ALIPAY_KINDS.get(api_method or "", "other")
    if path.startswith("/v3/"):
        return wechatpay_kind(method, path)
    if not path.startswith("/v1/"):
        return "other"
    parts = path[4:].rstrip("/").split("/")
    method = method.upper()
    if method == "GET":
        return "lookup"
    resource = parts[0]
    if resource in _CUSTOMER_RESOURCES:
        return "customer" if method in ("POST", "DELETE") else "other"
    if method != "POST":
        return "other"
    if resource == "checkout":
        return "payment" if parts[1:] == ["sessions"] else "other"
    if len(parts) == 1:
        return _POST_KINDS.get((resource, None), "other")
    if len(parts) == 3:
        return _POST_KINDS.get((resource, parts[2]), "other")
    return "other"


# -- WeChat Pay v3 (paychaos gateway-wechatpay, docs/gateway-wechatpay.md) ---------------------------
# payment  POST /v3/pay/transactions/{jsapi,app,h5,native,codepay} (and /v3/pay/partner/transactions/...,
#          /v3/combine-transactions/{...}): an order the customer pays
# refund   POST /v3/refund/domestic/refunds, and .../out-trade-no/{no}/close or /reverse (a close ends an
#          order, as a PaymentIntent's cancel does)
# lookup   any GET under /v3 (query by out_trade_no or transaction id, refund query, certificates)
# other    the rest under /v3
_WECHATPAY_ORDERS = frozenset(("jsapi", "app", "h5", "native", "codepay"))


def wechatpay_kind(method: str, path: str) -> str:
    """The kind of a WeChat Pay v3 call (path without its query)."""
    method = method.upper()
    if method == "GET":
        return "lookup"
    if method != "POST":
        return "other"
    parts = path[4:].rstrip("/").split("/")
    if parts[:2] == ["pay", "partner"]:
        parts = ["pay", *parts[2:]]
    if parts[:1] == ["combine-transactions"]:
        parts = ["pay", "transactions", *parts[1:]]
    if parts[:2] == ["pay", "transactions"]:
        if len(parts) == 3 and parts[2] in _WECHATPAY_ORDERS:
            return "payment"
        if len(parts) == 5 and parts[2] == "out-trade-no" and parts[4] in ("close", "reverse"):
            return "refund"
        return "other"
    if parts == ["refund", "domestic", "refunds"]:
        return "refund"
    return "other"


# The customer's browser (paychaos's driver in the client_secret and redirect flows, docs/flows/) makes
# some calls itself: the hosted pages, and stripe.js's confirm and retrieve with a publishable key. They
# are the customer's, not the merchant's, so scoring keeps them apart from the merchant's retries.
BROWSER_RETURN_PATH = "/_paychaos/return"   # the return_url the driver's confirm names (journaled)
# the pages (/c/pay/: checkout.stripe.com's; /redirect/authenticate/: hooks.stripe.com's 3-D Secure), and the
# hosted page's own calls; /alipay/: the fake Alipay's cashier and QR pages
HOSTED_PREFIXES = ("/pay/", "/c/pay/", "/_3ds/", "/redirect/authenticate/", "/v1/payment_pages/", "/alipay/")
# Alipay's page flows: the shop's SDK signs a URL (or an auto-submitting form) that the customer's browser
# opens on /gateway.do; the shop's server never calls these methods itself.
ALIPAY_BROWSER_METHODS = frozenset({"alipay.trade.page.pay", "alipay.trade.wap.pay"})
# Where stripe.js is loaded from (js.stripe.com/v3, js.stripe.com/basil/stripe.js, ...): the gateway
# serves its stand-in there, and the page's GET of it is the browser's, not the merchant's.
STRIPE_JS_RELEASES = ("v3", "acacia", "basil", "clover", "dahlia")
# What a browser asks of any origin it shows a page from, unasked by the page (Chromium's icon request on
# the hosted page and the challenge page): never a merchant's call, never a gateway operation.
BROWSER_ASSETS = ("/favicon.ico",)


def stripe_js_path(path: str) -> bool:
    """Whether a path is one stripe.js is loaded from: /v3, /v3/, /basil, /basil/stripe.js, ..."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    return parts[0] in STRIPE_JS_RELEASES and (len(parts) == 1 or parts[1:] in ([""], ["stripe.js"]))


def browser_call(path: str, query: str = "", return_url: str | None = None, key: str | None = None) -> bool:
    """Whether a gateway call came from the customer's browser: a hosted page, or a call carrying a
    publishable key (in the query, or `key` of the body) or the driver's own return_url."""
    path = path.split("?", 1)[0]
    if path.startswith(HOSTED_PREFIXES) or path in BROWSER_ASSETS or stripe_js_path(path):
        return True
    if str(return_url or "").endswith(BROWSER_RETURN_PATH) or str(key or "").startswith("pk_"):
        return True
    return "key=pk_" in (query or "") or "key=pk_" in (path if "?" in path else "")
