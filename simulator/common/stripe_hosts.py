"""Stripe's public host names as forward mode answers them, and the mark the proxy puts on what it forwards.

In forward mode (docs/proxy.md) the app and the customer's browser keep Stripe's real names; paychaos's
proxy answers `FORWARD_HOSTS` from the local gateway and tells the gateway which name was asked for in
`FORWARDED_HEADER` (any copy a client sent is dropped first). The gateway then names Stripe's hosts in
the URLs it hands out, as Stripe does: a Checkout Session's `url` is `https://checkout.stripe.com/c/pay/cs_...`.
"""

from __future__ import annotations

API_HOST = "api.stripe.com"
JS_HOST = "js.stripe.com"            # stripe.js (the gateway's stand-in)
CHECKOUT_HOST = "checkout.stripe.com"  # the hosted Checkout page
HOOKS_HOST = "hooks.stripe.com"      # the 3-D Secure challenge a redirect leads to
FORWARD_HOSTS = (API_HOST, JS_HOST, CHECKOUT_HOST, HOOKS_HOST)
FORWARDED_HEADER = "X-Paychaos-Forwarded-Host"
CHECKOUT_PATH = "/c/pay/"            # Stripe's path of a session's page: /c/pay/cs_test_...
CHECKOUT_BASE = f"https://{CHECKOUT_HOST}/c/pay"
HOOKS_PATH = "/redirect/authenticate/"  # Stripe's path of a 3-D Secure redirect: /redirect/authenticate/src_...
HOOKS_BASE = f"https://{HOOKS_HOST}/redirect/authenticate"


def forwarded_host(value: str | None) -> str | None:
    """The Stripe host a forwarded request asked for (the header's value), or None when it is not one."""
    host = (value or "").strip().lower()
    return host if host in FORWARD_HOSTS else None
