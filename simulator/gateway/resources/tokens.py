"""Tokens (`POST /v1/tokens`): what legacy Elements and Checkout make in the browser with a
publishable key. A card token is usable once, as a Charge `source` or a PaymentMethod's
`card[token]`; the gateway keeps its card details (never the number) and its test outcome."""

from __future__ import annotations

import time

from paychaos.gateway import cards
from paychaos.gateway.errors import ParamError, StripeError, lookup
from paychaos.gateway.params import EXPAND, AnyHash, Hash, Str
from paychaos.gateway.resources import payment_methods
from paychaos.gateway.routing import Call, Route

CARD_SPEC = {**payment_methods.CARD_SPEC, "name": Str(200), "currency": Str(3),
             **{f"address_{part}": Str(200) for part in ("line1", "line2", "city", "state", "zip", "country")}}
CARD_SPEC.pop("token")


def create(gw, call: Call) -> dict:
    p = call.params
    store = gw.store
    tok_id = store.new_id("tok")
    token = {"id": tok_id, "object": "token", "client_ip": "127.0.0.1", "created": int(time.time()),
             "livemode": False, "used": False}
    if "card" in p:
        card_in = p["card"]
        number, month, year = cards.validate_raw_card(card_in)
        billing = {"name": card_in.get("name")}
        pm = payment_methods.from_card_number(gw, number, month, year, billing=billing)
        details = pm["card"]
        token["type"] = "card"
        token["card"] = {
            "id": store.new_id("card"), "object": "card", "brand": details["brand"].title(),
            "country": details["country"], "cvc_check": "unchecked" if "cvc" not in card_in else "pass",
            "exp_month": month, "exp_year": year, "fingerprint": details["fingerprint"],
            "funding": details["funding"], "last4": details["last4"], "name": card_in.get("name"),
            **{f"address_{part}": card_in.get(f"address_{part}")
               for part in ("line1", "line2", "city", "state", "zip", "country")},
            "metadata": {}, "tokenization_method": None,
        }
        token["_pm"] = pm["id"]
    elif "pii" in p:
        token["type"] = "pii"
    else:
        raise ParamError("Missing required param: card (card[number], card[exp_month], card[exp_year], card[cvc]) "
                         "or pii.", "card", "parameter_missing")
    store.tokens[tok_id] = token
    return _public(token)


def _public(token: dict) -> dict:
    return {k: v for k, v in token.items() if not k.startswith("_")}


def use(gw, tok_id: str, param: str) -> dict:
    """The card PaymentMethod behind a token, which is then used up (Stripe's tokens are single-use)."""
    token = gw.store.tokens[tok_id]
    if token["type"] != "card":
        raise StripeError(400, "invalid_request_error", f"Token {tok_id} is a {token['type']} token, not a card.",
                          code="parameter_invalid", param=param)
    if token["used"]:
        raise StripeError(400, "invalid_request_error", f"You cannot use a Stripe token more than once: {tok_id}.",
                          code="token_already_used", param=param)
    token["used"] = True
    return gw.store.payment_methods.get(token["_pm"])


def retrieve(gw, call: Call) -> dict:
    return _public(lookup(gw.store.tokens, "token", call.args[0]))


ROUTES = [
    Route("POST", "/v1/tokens", {"card": Hash(CARD_SPEC), "pii": AnyHash(), "customer": Str(255), "expand": EXPAND,
                                 "payment_user_agent": Str(2048), "time_on_page": Str(50), "referrer": Str(2048),
                                 "guid": Str(100), "muid": Str(100), "sid": Str(100)}, create, browser=True),
    Route("GET", "/v1/tokens/{id}", {"expand": EXPAND}, retrieve),
]
