"""Pages the gateway serves to the customer's browser (no API key, plain HTML forms, no JavaScript):

- `/_3ds/{pi_or_seti}`: the 3-D Secure challenge of an intent in requires_action. Its buttons POST
  `result=pass` or `result=fail` to the same URL; the gateway then redirects to the intent's
  `return_url` (with `payment_intent`/`setup_intent`, its client secret and `redirect_status`, as
  Stripe does) or shows a closing page. A customer who never answers leaves the intent waiting.
- `/pay/{cs}` (and `/c/pay/{cs}`, Stripe's path, which forward mode serves as checkout.stripe.com): a
  Checkout Session's hosted payment page: line items, total, a card form (any test
  card) or Alipay / WeChat Pay when the session accepts them, Pay and Cancel buttons. Paying
  redirects (303) to the session's `success_url` with `{CHECKOUT_SESSION_ID}` filled in, or to the
  3-D Secure page first; Cancel redirects to `cancel_url`. A decline shows the page again (402).

A page no longer open says so with a link back to the shop: `success_url` once paid, `cancel_url` (410)
once expired.

Tests use the form: `POST /pay/{cs}` with `number`, `expiry` (MM/YY), `cvc`, `email` (or
`method=alipay`). The driver plays the page's script instead, as Stripe Checkout's page pays: `POST
/v1/payment_methods` then `POST /v1/payment_pages/{cs}/confirm` (checkout_sessions.page_confirm), API
calls a proxy's `kind: payment` faults reach. `POST /_3ds/{id}` with `result` answers the challenge.
Card numbers are never echoed.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from paychaos.common.stripe_hosts import CHECKOUT_PATH, HOOKS_PATH
from paychaos.gateway.errors import StripeError
from paychaos.gateway.params import short
from paychaos.gateway.resources import alternatives, checkout_sessions, payment_methods, setup_intents
from paychaos.gateway.routing import Call

MAX_FORM_BYTES = 16 * 1024
PREFIXES = ("/_3ds/", "/pay/", CHECKOUT_PATH, HOOKS_PATH)  # /c/pay/, /redirect/authenticate/: Stripe's paths (forward mode)
_STYLE = ("body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
          "label{display:block;margin:.6rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}"
          "button{margin:.8rem .4rem 0 0;padding:.5rem 1rem}.error{color:#b00020}"
          "table{width:100%;border-collapse:collapse}td{padding:.2rem 0}.total{font-weight:bold}")


def _page(title: str, body: str, status: int = 200, framed: bool = False) -> web.Response:
    text = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}<p><small>paychaos test gateway: no real money moves."
            f"</small></p></body></html>")
    headers = {"Cache-Control": "no-store"}
    if not framed:  # the payment page is never framed (clickjacking); stripe.js frames 3-D Secure
        headers["X-Frame-Options"] = "DENY"
    return web.Response(text=text, status=status, content_type="text/html", headers=headers)


def _see_other(url: str) -> web.Response:
    return web.Response(status=303, headers={"Location": url, "Cache-Control": "no-store"})


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())


def _money(amount: int | None, currency: str | None) -> str:
    """Minor units as the customer reads them: 1500 usd -> 15.00 USD, 1500 jpy -> 1500 JPY."""
    if amount is None:
        return ""
    if currency in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {(currency or '').upper()}"


async def _form(request: web.BaseRequest) -> dict[str, str]:
    body = bytearray()
    while len(body) <= MAX_FORM_BYTES:  # read() may answer a part of the body: read to its end
        chunk = await request.content.read(MAX_FORM_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > MAX_FORM_BYTES:
        raise _Refusal(413, "The form is too large.")
    try:
        return dict(parse_qsl(bytes(body).decode("utf-8"), max_num_fields=50))
    except (UnicodeDecodeError, ValueError):
        raise _Refusal(400, "The form could not be read (expected application/x-www-form-urlencoded UTF-8).") \
            from None


class _Refusal(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def not_found() -> web.Response:
    return _page("Not available", "<p class=error>No such page.</p>", 404)


async def handle(gw, request: web.BaseRequest, request_id: str, checkout_url: str = "") -> web.Response:
    """checkout_url: the request came through forward mode (checkout.stripe.com); the pages it leads to
    keep that name (checkout_sessions.page_base)."""
    parts = request.path.strip("/").split("/")
    if parts[:2] == ["c", "pay"]:   # Stripe's spelling of a session's page: /c/pay/cs_...
        parts = parts[1:]
    elif parts[:2] == ["redirect", "authenticate"]:   # Stripe's spelling of a challenge (hooks.stripe.com)
        parts = ["_3ds", *parts[2:]]
    call = Call({}, (), request_id, None, gw.base_url, checkout_url=checkout_url)
    try:
        if parts[0] == "_3ds" and len(parts) == 2:
            return await _three_ds(gw, request, parts[1], call)
        if parts[0] == "pay" and len(parts) == 2:
            return await _checkout(gw, request, parts[1], call)
        if parts[0] == "pay" and len(parts) == 3 and parts[2] == "return" and request.method == "GET":
            return _checkout_return(gw, parts[1])
        raise _Refusal(404, "No such page.")
    except _Refusal as exc:
        return _page("Not available", f"<p class=error>{html.escape(exc.message)}</p>", exc.status)


# -- 3-D Secure ---------------------------------------------------------------------------------------

def _intent(gw, ident: str) -> dict:
    table = gw.store.setup_intents if ident.startswith("seti_") else gw.store.payment_intents
    obj = table.get(ident)
    if obj is None:
        raise _Refusal(404, f"No such payment: {short(ident, 60)}")
    return obj


async def _three_ds(gw, request: web.BaseRequest, ident: str, call: Call) -> web.Response:
    obj = _intent(gw, ident)
    if request.method not in ("GET", "POST"):
        raise _Refusal(405, "Use GET to see the challenge or POST to answer it.")
    kind = (obj.get("next_action") or {}).get("type")
    if obj["status"] != "requires_action" or kind not in ("redirect_to_url", "use_stripe_sdk"):
        raise _Refusal(409, f"This payment is not waiting for 3-D Secure authentication (status {obj['status']}"
                            f"{', next action ' + kind if kind else ''}).")
    if request.method == "GET":
        amount = _money(obj.get("amount"), obj.get("currency"))
        what = f"a payment of {html.escape(amount)}" if amount else "saving your card"
        return _page("3D Secure authentication", (
            f"<p>Your bank asks you to confirm {what}.</p>"
            f"<form method=post><button name=result value=pass>Complete authentication</button>"
            f"<button name=result value=fail>Fail authentication</button></form>"), framed=True)
    result = (await _form(request)).get("result")
    if result not in ("pass", "fail"):
        raise _Refusal(400, "Answer with result=pass or result=fail.")
    action = obj.get("next_action") or {}
    return_url = (action.get("redirect_to_url") or {}).get("return_url")
    if obj["object"] == "payment_intent":
        (alternatives.complete if result == "pass" else alternatives.fail)(gw, obj, call)
        query = {"payment_intent": obj["id"], "payment_intent_client_secret": obj["client_secret"]}
    else:
        if result == "pass":
            setup_intents.succeed(gw, obj, call)
        else:
            setup_intents.fail(gw, obj, call, "setup_intent_authentication_failure", None,
                               setup_intents.AUTH_FAILED, raise_=False)
        checkout_sessions.intent_settled(gw, obj, call)
        query = {"setup_intent": obj["id"], "setup_intent_client_secret": obj["client_secret"]}
    ok = obj["status"] in ("succeeded", "requires_capture")
    if return_url:
        return _see_other(_with_query(return_url, {**query, "redirect_status": "succeeded" if ok else "failed"}))
    return _page("Authentication complete" if ok else "Authentication failed",
                 "<p>You can close this window and return to the shop.</p>", framed=True)


# -- Checkout -----------------------------------------------------------------------------------------

def _session(gw, ident: str) -> dict:
    if gw.store.checkout_sessions.get(ident) is None:
        raise _Refusal(404, f"No such checkout session: {short(ident, 60)}")
    return checkout_sessions.get(gw, ident)  # expires it when its time is up


def _success(cs: dict) -> web.Response:
    if not cs["success_url"]:
        return _page("Payment complete", "<p>Thank you. You can close this window.</p>")
    return _see_other(cs["success_url"].replace("{CHECKOUT_SESSION_ID}", cs["id"]))


def _back_link(url: str | None, cs: dict) -> str:
    if not url:
        return ""
    href = html.escape(url.replace("{CHECKOUT_SESSION_ID}", cs["id"]), quote=True)
    return f"<p><a id=back href='{href}'>Return to the shop</a></p>"


def _closed(cs: dict) -> web.Response:
    """A session no longer open: paid (a link to success_url) or expired (410, a link to cancel_url)."""
    if cs["status"] == "complete":
        return _page("Already paid", "<p>This checkout session is complete.</p>" + _back_link(cs["success_url"], cs))
    return _page("Session expired", "<p>This checkout session has expired. Return to the shop to try again.</p>"
                 + _back_link(cs["cancel_url"], cs), 410)


def _pay_page(gw, cs: dict, error: str = "", status: int = 200, email: str = "") -> web.Response:
    rows = "".join(
        f"<tr><td>{html.escape(str(item['description'] or item['price']['id']))} × {item['quantity']}</td>"
        f"<td>{html.escape(_money(item['amount_total'], item['currency']))}</td></tr>"
        for item in gw.store.cs_line_items.get(cs["id"], []))
    if cs["mode"] == "payment":
        rows += (f"<tr class=total><td>Total</td><td>{html.escape(_money(cs['amount_total'], cs['currency']))}"
                 f"</td></tr>")
    methods = cs["payment_method_types"] if cs["mode"] == "payment" else ["card"]
    choices = "".join(
        f"<label><input type=radio name=method value={m} style='width:auto'{' checked' if i == 0 else ''}> "
        f"{ {'card': 'Card', 'alipay': 'Alipay', 'wechat_pay': 'WeChat Pay'}[m] }</label>"
        for i, m in enumerate(methods)) if len(methods) > 1 else f"<input type=hidden name=method value={methods[0]}>"
    email = email or cs["customer_email"] or ""
    # data-paychaos-field: the same marks as the stripe.js stand-in's fields, so a browser-mode customer
    # types the card here as on a shop's own page (docs/browser.md, "Stripe Checkout in browser mode")
    card = ("<label for=number>Card number</label><input id=number name=number inputmode=numeric "
            "autocomplete=cc-number placeholder='4242 4242 4242 4242' data-paychaos-field=number>"
            "<label for=expiry>Expiry (MM/YY)</label><input id=expiry name=expiry autocomplete=cc-exp "
            "placeholder='12/34' data-paychaos-field=expiry><label for=cvc>CVC</label><input id=cvc name=cvc "
            "autocomplete=cc-csc placeholder=123 data-paychaos-field=cvc>") if "card" in methods else ""
    button = "Pay" if cs["mode"] == "payment" else "Save card"
    body = (f"<table>{rows}</table>" + (f"<p class=error role=alert>{html.escape(error)}</p>" if error else "")
            + f"<form method=post><label for=email>Email</label><input id=email name=email type=email "
            f"data-paychaos-field=email value='{html.escape(email, quote=True)}'>{choices}{card}"
            f"<button name=action value=pay data-paychaos-pay>{button}</button>"
            f"<button name=action value=cancel formnovalidate>Cancel</button></form>")
    return _page("Checkout", body, status)


async def _checkout(gw, request: web.BaseRequest, ident: str, call: Call) -> web.Response:
    cs = _session(gw, ident)
    if request.method not in ("GET", "POST"):
        raise _Refusal(405, "Use GET to see the page or POST to pay.")
    if cs["status"] != "open":
        return _closed(cs)
    if request.method == "GET":
        return _pay_page(gw, cs)
    form = await _form(request)
    if form.get("action", "pay") == "cancel":
        if cs["cancel_url"]:
            return _see_other(cs["cancel_url"].replace("{CHECKOUT_SESSION_ID}", cs["id"]))
        return _pay_page(gw, cs, "Payment canceled.")
    method = form.get("method", "card")
    email = form.get("email", "")[:800]
    if method not in cs["payment_method_types"] or (cs["mode"] == "setup" and method != "card"):
        return _pay_page(gw, cs, f"This session does not accept {short(method, 30)}.", 400, email)
    try:
        if method == "card":
            month, _, year = form.get("expiry", "").replace(" ", "").partition("/")
            data = {"type": "card", "card": {"number": form.get("number", "")[:40], "exp_month": month[:4],
                                             "exp_year": year[:4]}}
            if form.get("cvc"):
                data["card"]["cvc"] = form["cvc"][:10]
        else:
            data = {"type": method}
        pm = payment_methods.from_data(gw, data, "")
        intent = checkout_sessions.pay(gw, cs, method, pm["id"], email or None, call)
    except StripeError as exc:
        return _pay_page(gw, cs, exc.message, exc.status if exc.status >= 400 else 400, email)
    if intent["status"] == "requires_action" and method == "card":
        return _see_other(alternatives.challenge_url(call, intent))
    return _success(cs)


def _checkout_return(gw, ident: str) -> web.Response:
    """Back from 3-D Secure: on to success_url if the session completed, else the page with an error."""
    cs = _session(gw, ident)
    if cs["status"] == "complete":
        return _success(cs)
    if cs["status"] != "open":
        return _closed(cs)
    return _pay_page(gw, cs, "Authentication failed. Try again or use another card.", 402)
