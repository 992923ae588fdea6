"""Checkout Sessions: the hosted payment page's server side (create, retrieve, list, line items, expire).

A session is `open` until the customer pays on the gateway-hosted page (`url`, served by hosted.py),
which makes its PaymentIntent (mode payment, with `payment_intent_data`) or SetupIntent (mode setup)
then, once the money or card is through, marks it `complete` and sends `checkout.session.completed`.
Alipay and WeChat Pay complete the session `unpaid`; their settlement through
`/_sim/payment_intents/{id}/complete` or `/fail` sends `checkout.session.async_payment_succeeded` or
`_failed`. `expire` (or passing `expires_at`) sends `checkout.session.expired`.
"""

from __future__ import annotations

import time

from paychaos.gateway.errors import ParamError, StripeError, lookup, missing
from paychaos.gateway.listing import LIST_PARAMS, narrowed, page, page_of
from paychaos.gateway.params import (
    EXPAND,
    AnyHash,
    Bool,
    Currency,
    Enum,
    Hash,
    Int,
    ListOf,
    Metadata,
    Str,
)
from paychaos.gateway.resources import payment_intents, payment_methods, prices, setup_intents
from paychaos.gateway.routing import Call, Route

METHODS = ("card", "alipay", "wechat_pay")
ASYNC_METHODS = ("alipay", "wechat_pay")
DAY = 24 * 3600
URL = Str(2048, r"https?://\S+", "an http(s) URL")
LINE_ITEM = Hash({"price": Str(255), "price_data": AnyHash(), "quantity": Int(1, 999_999),
                  "adjustable_quantity": AnyHash(), "tax_rates": ListOf(Str(255)),
                  "dynamic_tax_rates": ListOf(Str(255))})
PI_DATA = Hash({"metadata": Metadata(), "capture_method": Enum("automatic", "automatic_async", "manual"),
                "description": Str(), "receipt_email": Str(800),
                "setup_future_usage": Enum("on_session", "off_session"), "statement_descriptor": Str(22),
                "statement_descriptor_suffix": Str(22), "shipping": AnyHash(), "transfer_group": Str(255),
                "on_behalf_of": Str(255), "application_fee_amount": Int(0), "transfer_data": AnyHash()})
SI_DATA = Hash({"metadata": Metadata(), "description": Str(), "on_behalf_of": Str(255)})


def page_base(call: Call) -> str:
    """Where a session's hosted page lives: `https://checkout.stripe.com/c/pay` when the call came through
    forward mode (as Stripe's), else the gateway's own `/pay` (hosted.py serves both)."""
    return call.checkout_url or f"{call.base_url}/pay"


def get(gw, ident: str, param: str = "id") -> dict:
    cs = lookup(gw.store.checkout_sessions, "checkout.session", ident, param)
    if cs["status"] == "open" and cs["expires_at"] <= time.time():
        _expire(gw, cs, Call({}, (), "", None))
    return cs


def _line_items(gw, p: dict, currency: str | None) -> tuple[list[dict], str | None]:
    items = []
    for i, item in enumerate(p.get("line_items", [])):
        name = f"line_items[{i}]"
        if ("price" in item) == ("price_data" in item):
            raise ParamError(f"Each line item needs exactly one of {name}[price] or {name}[price_data].",
                             f"{name}[price]", "parameter_missing")
        if "price" in item:
            price = prices.get(gw, item["price"], f"{name}[price]")
        else:
            price = prices.new(gw, prices.checked_data(item["price_data"], f"{name}[price_data]"),
                               f"{name}[price_data]")
        if price["recurring"] is not None:
            raise ParamError(f"{name}: a recurring price needs mode=subscription, which paychaos does not "
                             f"simulate; use one-time prices (mode=payment).", f"{name}[price]")
        if price["unit_amount"] is None:
            raise ParamError(f"{name}: the price has no unit_amount.", f"{name}[price]")
        if currency is not None and price["currency"] != currency:
            raise ParamError(f"All line items must have the same currency ({currency}), not {price['currency']}.",
                             f"{name}[price]")
        currency = price["currency"]
        quantity = item.get("quantity", 1)
        product = gw.store.products.get(price["product"])
        total = price["unit_amount"] * quantity
        items.append({"id": gw.store.new_id("li"), "object": "item", "amount_discount": 0,
                      "amount_subtotal": total, "amount_tax": 0, "amount_total": total, "currency": currency,
                      "description": product["name"] if product else None, "price": price, "quantity": quantity})
    return items, currency


def create(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    mode = p.get("mode", "payment")
    if mode == "subscription":
        raise ParamError("mode=subscription is not simulated by paychaos; use mode=payment or mode=setup.", "mode")
    customer = p.get("customer")
    if customer is not None and "customer_email" in p:
        raise ParamError("You may only specify one of these parameters: customer, customer_email.", "customer_email")
    if customer is not None and store.customers.get(customer) is None:
        raise missing("customer", customer, "customer")
    if mode == "payment" and not p.get("line_items"):
        raise ParamError("Missing required param: line_items (mode=payment sells at least one line item).",
                         "line_items", "parameter_missing")
    if mode == "setup" and p.get("line_items"):
        raise ParamError("line_items cannot be used with mode=setup.", "line_items")
    items, currency = _line_items(gw, p, p.get("currency"))
    total = sum(item["amount_total"] for item in items)
    if mode == "payment" and total < 1:
        raise ParamError("The Checkout Session's total amount must be at least 1 (in the currency's smallest unit).",
                         "line_items")
    if mode == "payment" and total > payment_intents.MAX_AMOUNT:
        raise ParamError(f"The total ({total}) is above the largest amount ({payment_intents.MAX_AMOUNT}).",
                         "line_items")
    now = int(time.time())
    expires_at = p.get("expires_at", now + DAY)
    if not now + 30 * 60 - 60 <= expires_at <= now + DAY + 60:
        raise ParamError("The expires_at timestamp must be between 30 minutes and 24 hours from now.", "expires_at")
    cs_id = store.new_id("cs_test")
    cs = {
        "id": cs_id, "object": "checkout.session", "after_expiration": None,
        "allow_promotion_codes": p.get("allow_promotion_codes"), "amount_subtotal": total if mode == "payment" else None,
        "amount_total": total if mode == "payment" else None,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": p.get("billing_address_collection"), "cancel_url": p.get("cancel_url"),
        "client_reference_id": p.get("client_reference_id"), "client_secret": None, "consent": None,
        "created": now, "currency": currency, "customer": customer,
        "customer_creation": p.get("customer_creation", "if_required" if not customer else None),
        "customer_details": None, "customer_email": p.get("customer_email"), "expires_at": expires_at,
        "invoice": None, "livemode": False, "locale": p.get("locale"), "metadata": p.get("metadata", {}),
        "mode": mode, "payment_intent": None, "payment_link": None, "payment_method_collection": "always",
        "payment_method_options": p.get("payment_method_options", {}),
        "payment_method_types": p.get("payment_method_types") or ["card"],
        "payment_status": "unpaid" if mode == "payment" else "no_payment_required",
        "return_url": p.get("return_url"), "setup_intent": None,
        "shipping_address_collection": p.get("shipping_address_collection"), "status": "open",
        "submit_type": p.get("submit_type"), "subscription": None, "success_url": p.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": p.get("ui_mode", "hosted"), "url": f"{page_base(call)}/{cs_id}",
    }
    store.checkout_sessions.add(cs)
    store.cs_line_items[cs_id] = items
    store.cs_options[cs_id] = {"payment_intent_data": p.get("payment_intent_data", {}),
                               "setup_intent_data": p.get("setup_intent_data", {})}
    return cs


def retrieve(gw, call: Call) -> dict:
    cs = get(gw, call.args[0])
    if "line_items" in call.params.get("expand", ()):
        return {**cs, "line_items": line_items_page(gw, cs, {})}
    return cs


def line_items_page(gw, cs: dict, params: dict) -> dict:
    items = gw.store.cs_line_items.get(cs["id"], [])
    by_id = {item["id"]: item for item in items}
    # oldest first in `ids`; Stripe lists line items in the order they were given
    result = page(by_id, [item["id"] for item in reversed(items)], params,
                  f"/v1/checkout/sessions/{cs['id']}/line_items")
    return result


def list_line_items(gw, call: Call) -> dict:
    return line_items_page(gw, get(gw, call.args[0]), call.params)


def list_(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    return narrowed(page_of(store.checkout_sessions, p, "/v1/checkout/sessions"), p,
                    "payment_intent", "customer", "status", "setup_intent")


def expire(gw, call: Call) -> dict:
    cs = get(gw, call.args[0])
    if cs["status"] != "open":
        raise StripeError(400, "invalid_request_error", f"Only Checkout Sessions with a status in [\"open\"] can "
                          f"be expired; {cs['id']} is {cs['status']}.", code="checkout_session_unexpected_state")
    return _expire(gw, cs, call)


def time_up(gw, cs: dict, call: Call) -> dict:
    """The session's time ran out (`/_sim/checkout_sessions/{id}/expire`): expired now, as when its
    expires_at passes (the lifetime Stripe allows, 30 minutes at least, is too long to wait for)."""
    cs["expires_at"] = min(cs["expires_at"], int(time.time()))
    return _expire(gw, cs, Call({}, call.args, call.request_id, None, call.base_url))


def _expire(gw, cs: dict, call: Call) -> dict:
    cs["status"] = "expired"
    cs["url"] = None
    pi = gw.store.payment_intents.get(cs["payment_intent"]) if cs["payment_intent"] else None
    if pi is not None and pi["status"] in payment_intents.CANCELABLE and pi["status"] != "requires_capture":
        pi["status"] = "canceled"
        pi["canceled_at"] = int(time.time())
        pi["cancellation_reason"] = "abandoned"
        pi["next_action"] = None
        gw.store.emit("payment_intent.canceled", pi, call.request_id, None)
    gw.store.emit("checkout.session.expired", cs, call.request_id, call.idempotency_key)
    return cs


# -- the customer's side (hosted.py calls these) -----------------------------------------------------

def pay(gw, cs: dict, method: str, payment_method: str, email: str | None, call: Call) -> dict:
    """The customer pressed Pay with `payment_method` (a PaymentMethod id); returns the intent (pi or seti).

    Raises StripeError on a decline (the session stays open and the customer may try again)."""
    store = gw.store
    if method not in cs["payment_method_types"]:
        raise StripeError(400, "invalid_request_error", f"This session does not accept {method}.")
    if email:
        cs["customer_details"] = {"address": None, "email": email, "name": None, "phone": None,
                                  "tax_exempt": "none", "tax_ids": []}
    if cs["customer"] is None and cs["customer_creation"] == "always":
        from paychaos.gateway.resources import customers  # customers -> payment_methods; no cycle back here

        email = email or cs["customer_email"]
        cs["customer"] = customers.create(gw, Call({"email": email} if email else {}, (), call.request_id, None,
                                                   call.base_url))["id"]
    options = store.cs_options.get(cs["id"], {})
    return_url = f"{page_base(call)}/{cs['id']}/return"
    if cs["mode"] == "setup":
        data = options.get("setup_intent_data", {})
        si = setup_intents.new(gw, {"customer": cs["customer"], "payment_method_types": [method],
                                    "metadata": data.get("metadata", {}), "description": data.get("description")},
                               call)
        store.cs_by_intent[si["id"]] = cs["id"]
        cs["setup_intent"] = si["id"]
        si["payment_method"] = payment_method
        setup_intents._confirm(gw, si, {"return_url": return_url}, call)
        if si["status"] == "succeeded":
            complete(gw, cs, call)
        return si
    pi = store.payment_intents.get(cs["payment_intent"]) if cs["payment_intent"] else None
    if pi is None:
        data = options.get("payment_intent_data", {})
        params = {"amount": cs["amount_total"], "currency": cs["currency"], "metadata": data.get("metadata", {}),
                  "payment_method_types": list(cs["payment_method_types"]),
                  **{k: v for k, v in data.items() if k != "metadata"}}
        if cs["customer"]:
            params["customer"] = cs["customer"]
        if email and "receipt_email" not in params:
            params["receipt_email"] = email
        pi = payment_intents.create(gw, Call(params, (), call.request_id, None, call.base_url))
        store.cs_by_intent[pi["id"]] = cs["id"]
        cs["payment_intent"] = pi["id"]
    payment_intents._confirm(gw, pi, {"payment_method": payment_method, "return_url": return_url}, call, attach=True)
    if pi["status"] in ("succeeded", "requires_capture"):
        complete(gw, cs, call)
    elif pi["status"] == "requires_action" and method in ASYNC_METHODS:
        complete(gw, cs, call, paid=False)  # the customer is back; the money comes later (or never)
    return pi


def page_confirm(gw, call: Call) -> dict:
    """`POST /v1/payment_pages/{cs}/confirm`: the hosted page's Pay button, as the page's script sends it
    (Stripe Checkout's does the same: it makes the PaymentMethod with `POST /v1/payment_methods`, then
    confirms it here with the publishable key). A call of the customer's browser under /v1, so a proxy
    fault rule with `match.kind: payment` reaches the hosted page's payment (paychaos.common.call_kinds).

    Answers the session with its `payment_intent` (or `setup_intent`) expanded: `status`,
    `payment_status`, and the intent's `next_action` (3-D Secure, Alipay, WeChat Pay). A decline is the
    intent's card_error (402), the session stays open; a session no longer open is a 400."""
    p = call.params
    cs = get(gw, call.args[0], "session")
    if cs["status"] != "open":
        raise StripeError(400, "invalid_request_error", f"This Checkout Session is {cs['status']}: it can no "
                          f"longer be paid.", code="checkout_session_unexpected_state", param="session")
    pm = payment_methods.resolve(gw, p["payment_method"])
    method = pm["type"]
    expected = p.get("expected_payment_method_type")
    if expected is not None and expected != method:
        raise ParamError(f"The PaymentMethod is of type {method}, not the expected {expected}.",
                         "expected_payment_method_type")
    if cs["mode"] == "payment" and p.get("expected_amount") not in (None, cs["amount_total"]):
        raise ParamError(f"The amount to pay changed: the session's total is {cs['amount_total']}, "
                         f"not {p['expected_amount']}.", "expected_amount")
    if cs["mode"] == "setup" and method != "card":
        raise StripeError(400, "invalid_request_error", f"This session does not accept {method}.",
                          param="payment_method")
    intent = pay(gw, cs, method, pm["id"], p.get("email"), call)
    field = "setup_intent" if intent["object"] == "setup_intent" else "payment_intent"
    return {**cs, field: intent}


def complete(gw, cs: dict, call: Call, paid: bool = True) -> None:
    cs["status"] = "complete"
    cs["url"] = None
    if cs["mode"] == "payment":
        cs["payment_status"] = "paid" if paid else "unpaid"
    gw.store.emit("checkout.session.completed", cs, call.request_id, None)


def intent_settled(gw, intent: dict, call: Call) -> None:
    """An intent finished away from the pay page (3-D Secure passed, an Alipay/WeChat payment settled or
    failed): complete its session, or send the async_payment event of a session already complete."""
    cs_id = gw.store.cs_by_intent.get(intent["id"])
    cs = gw.store.checkout_sessions.get(cs_id) if cs_id else None
    if cs is None:
        return
    ok = intent["status"] in ("succeeded", "requires_capture")
    if cs["status"] == "open" and ok:
        complete(gw, cs, call)
    elif cs["status"] == "complete" and cs["payment_status"] == "unpaid":
        if ok:
            cs["payment_status"] = "paid"
            gw.store.emit("checkout.session.async_payment_succeeded", cs, call.request_id, None)
        elif intent["status"] == "requires_payment_method":
            gw.store.emit("checkout.session.async_payment_failed", cs, call.request_id, None)


ROUTES = [
    Route("POST", "/v1/checkout/sessions", {
        "mode": Enum("payment", "setup", "subscription"), "line_items": ListOf(LINE_ITEM, 100),
        "success_url": URL, "cancel_url": URL, "return_url": URL, "customer": Str(255),
        "customer_email": Str(800), "client_reference_id": Str(200), "metadata": Metadata(),
        "payment_intent_data": PI_DATA, "setup_intent_data": SI_DATA,
        "payment_method_types": ListOf(Enum(*METHODS), 20), "currency": Currency(),
        "expires_at": Int(0), "locale": Str(10), "submit_type": Enum("auto", "book", "donate", "pay", "subscribe"),
        "ui_mode": Enum("hosted"), "customer_creation": Enum("always", "if_required"),
        "allow_promotion_codes": Bool(), "billing_address_collection": Enum("auto", "required"),
        "shipping_address_collection": AnyHash(), "phone_number_collection": AnyHash(),
        "payment_method_options": AnyHash(), "automatic_tax": AnyHash(), "consent_collection": AnyHash(),
        "custom_text": AnyHash(), "custom_fields": AnyHash(), "invoice_creation": AnyHash(),
        "saved_payment_method_options": AnyHash(), "tax_id_collection": AnyHash(), "discounts": AnyHash(),
        "payment_method_collection": Enum("always", "if_required"), "customer_update": AnyHash(),
        "expand": EXPAND,
    }, create),
    Route("GET", "/v1/checkout/sessions/{id}", {"expand": EXPAND}, retrieve),
    Route("GET", "/v1/checkout/sessions/{id}/line_items", LIST_PARAMS, list_line_items),
    Route("POST", "/v1/checkout/sessions/{id}/expire", {"expand": EXPAND}, expire),
    Route("POST", "/v1/payment_pages/{id}/confirm", {
        "payment_method": Str(255).req(), "email": Str(800), "expected_amount": Int(0),
        "expected_payment_method_type": Enum(*METHODS), "expand": EXPAND, **payment_methods.BROWSER_DATA,
    }, page_confirm, slow=True, browser=True),
    Route("GET", "/v1/checkout/sessions", {**LIST_PARAMS, "payment_intent": Str(255), "customer": Str(255),
                                           "status": Enum("open", "complete", "expired"),
                                           "setup_intent": Str(255), "customer_details": AnyHash(),
                                           "payment_link": Str(255), "subscription": Str(255)}, list_),
]
