"""The stripe.js stand-in the customer's page loads (`<script src="https://js.stripe.com/v3">`, or the
gateway's own `/v3` in reverse mode): `stripe.js` beside this module, served as it is at the paths of
`paychaos.common.call_kinds.STRIPE_JS_PATHS` (docs/browser.md says what it implements).

Also the CORS answers of the API: a page on the merchant's origin calls the gateway with a publishable
key, as it calls Stripe's API; every API answer carries `Access-Control-Allow-Origin: *` and a
preflight (`OPTIONS /v1/...`) is answered without touching state. Nothing here needs a key: the
script is public, as Stripe's is.
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from paychaos.common.call_kinds import stripe_js_path

CORS = {"Access-Control-Allow-Origin": "*"}
_PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
              "Access-Control-Allow-Headers": "Content-Type, Authorization, Idempotency-Key, Stripe-Version",
              "Access-Control-Max-Age": "600"}
_SOURCE: bytes | None = None


def source() -> bytes:
    """The script's text (read once)."""
    global _SOURCE
    if _SOURCE is None:
        _SOURCE = resources.files("paychaos.gateway").joinpath("stripe.js").read_bytes()
    return _SOURCE


def serves(path: str) -> bool:
    return stripe_js_path(path)


def answer(request: web.BaseRequest) -> web.Response:
    if request.method not in ("GET", "HEAD"):
        return web.Response(status=405, text="GET the script.\n", headers={"Allow": "GET, HEAD"})
    return web.Response(body=source(), content_type="application/javascript", charset="utf-8",
                        headers={**CORS, "Cache-Control": "no-store"})


def preflight(request: web.BaseRequest) -> web.Response:
    return web.Response(status=204, headers=_PREFLIGHT)
