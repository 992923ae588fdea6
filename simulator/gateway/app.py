"""The gateway's HTTP front: auth, routing, form parsing, idempotency, Stripe-style answers.

One low-level aiohttp handler (no middleware) dispatches to the resource handlers, which are plain
synchronous functions over the Store; only the optional processing delay awaits.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import traceback

from aiohttp import web

from paychaos.common.catalogue import SeedPrice
from paychaos.common.localtoken import new_token
from paychaos.common.masking import mask_text
from paychaos.common.stripe_hosts import (
    CHECKOUT_BASE,
    CHECKOUT_HOST,
    CHECKOUT_PATH,
    FORWARDED_HEADER,
    HOOKS_HOST,
    HOOKS_PATH,
    forwarded_host,
)
from paychaos.gateway import hosted, stripe_js
from paychaos.gateway.catalogue import seed as catalogue_seed
from paychaos.gateway.errors import ParamError, StripeError
from paychaos.gateway.expand import expand
from paychaos.gateway.forms import parse_form, parse_pairs
from paychaos.gateway.idempotency import MAX_KEY_LENGTH, IdempotencyStore
from paychaos.gateway.params import check
from paychaos.gateway.resources import ROUTES, sim
from paychaos.gateway.routing import Call, Router
from paychaos.gateway.serving import OwnAddress
from paychaos.gateway.store import Store
from paychaos.gateway.webhooks import WebhookDispatcher

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
FREEZE_EVERY = 10_000  # requests; see Gateway.handle
LIVE_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")


class Gateway(OwnAddress):
    def __init__(self, *, seed: int | None = None, processing_delay_ms: int = 0,
                 webhooks: WebhookDispatcher | None = None, sim_token: str | None = None,
                 catalogue: tuple[SeedPrice, ...] = ()):
        self.store = Store(seed)
        self.catalogue = catalogue  # seeded now and after every reset (gateway/catalogue.py)
        self.idempotency = IdempotencyStore()
        self.router = Router(ROUTES)
        self.processing_delay_ms = processing_delay_ms
        self.webhooks = webhooks or WebhookDispatcher()
        self.webhooks.attach(self.store)
        # /_sim wants this in X-Paychaos-Token (see resources/sim.py); a fresh one unless given
        self.sim_token = sim_token or new_token()
        catalogue_seed(self, catalogue)

    def reset(self) -> None:
        self.store.clear()
        self.idempotency.clear()
        self.webhooks.reset_counts()
        self.webhooks.attach(self.store)
        catalogue_seed(self, self.catalogue)

    # -- HTTP ------------------------------------------------------------------------------

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        store = self.store
        store.requests_total += 1
        if store.requests_total % FREEZE_EVERY == 0:
            # Payments live until /_sim/reset and hold no reference cycles: move them out of the
            # cyclic GC's sight so full collections do not re-walk a growing store (flat throughput).
            gc.collect(1)
            gc.freeze()
        request_id = store.next_request_id()
        path = request.path
        # forward mode: the proxy names the Stripe host asked for; URLs handed out then name Stripe's hosts
        forwarded = forwarded_host(request.headers.get(FORWARDED_HEADER))
        checkout_url = CHECKOUT_BASE if forwarded else ""
        try:
            if (forwarded == CHECKOUT_HOST and not path.startswith(CHECKOUT_PATH)
                    or forwarded == HOOKS_HOST and not path.startswith(HOOKS_PATH)):
                # checkout.stripe.com serves the session pages, hooks.stripe.com the 3-D Secure ones, nothing else
                store.requests_hosted += 1
                return hosted.not_found()
            if path.startswith("/_sim/"):
                return await sim.handle(self, request, request_id)
            if path == "/favicon.ico":  # a browser on a hosted page asks; not an API call
                store.requests_hosted += 1
                return web.Response(status=404, headers={"Cache-Control": "max-age=3600"})
            if stripe_js.serves(path):  # the stripe.js stand-in the customer's page loads
                store.requests_hosted += 1
                return stripe_js.answer(request)
            if request.method == "OPTIONS" and path.startswith("/v1/"):  # a page's CORS preflight
                return stripe_js.preflight(request)
            if path.startswith(hosted.PREFIXES):  # the customer's pages: 3-D Secure, Checkout
                store.requests_hosted += 1  # not in requests_api: a browser may reach them bypassing the proxy
                return await hosted.handle(self, request, request_id, checkout_url)
            store.requests_api += 1
            return await self._api(request, request_id, path, checkout_url)
        except StripeError as exc:
            return self._error(exc, request_id)
        except web.HTTPException as exc:  # aiohttp's own refusals, e.g. a body over 1 MiB
            return self._error(StripeError(exc.status, "invalid_request_error",
                                           f"Invalid request: {exc.reason}"), request_id)
        except ConnectionResetError:  # the client left mid-body: no one to answer, no bug to log
            return web.Response(status=400)
        except Exception:  # a bug of ours: answer like Stripe's 500, log the masked traceback
            print(mask_text(traceback.format_exc()), file=sys.stderr, flush=True)
            exc = StripeError(500, "api_error", "An unexpected error occurred on the gateway.")
            return self._error(exc, request_id)

    async def _api(self, request: web.BaseRequest, request_id: str, path: str,
                   checkout_url: str = "") -> web.Response:
        method = request.method
        route, args, exists = self.router.match(method, path)
        if route is None:
            what = "Unrecognized request URL" if not exists else "Unrecognized method for this URL"
            raise StripeError(404, "invalid_request_error", f"{what} ({method}: {path}). Please see "
                              f"https://stripe.com/docs or we can help at https://support.stripe.com/.")
        self.store.requests_by_endpoint[route.name] += 1
        header_key = _header_key(request.headers.get("Authorization"))
        if header_key:
            _check_key(header_key, route)
        if method == "POST":
            body = await request.read()
            ctype = request.headers.get("Content-Type", "")
            if body and "json" in ctype:
                raise ParamError("Invalid request: the API takes form-encoded bodies "
                                 "(application/x-www-form-urlencoded), not JSON.", None)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ParamError("Invalid request body: not UTF-8 text", None) from None
            raw = parse_form(text)
        else:
            text = request.query_string
            raw = parse_form(text) if text else {}
        body_key = raw.pop("key", None)  # stripe.js sends its publishable key in the form body
        if not header_key:
            if not isinstance(body_key, str) or not body_key:
                _check_key("", route)
            _check_key(body_key, route)
        publishable = (header_key or body_key).startswith("pk_")
        params = check(route.spec, raw)
        key = request.headers.get("Idempotency-Key") if method == "POST" else None
        call = Call(params, args, request_id, key, self.base_url, publishable, checkout_url)
        if key is None:
            status, payload, extra = await self._run(route, call)
            return self._respond(status, payload, request_id, extra)
        if len(key) > MAX_KEY_LENGTH:
            raise ParamError(f"Invalid Idempotency-Key: at most {MAX_KEY_LENGTH} characters", None)
        fingerprint = tuple(sorted(parse_pairs(text)))
        saved = self.idempotency.begin(key, f"{method} {path}", fingerprint)
        if saved is not None:
            headers = dict(saved.headers)
            headers["Idempotent-Replayed"] = "true"
            return web.Response(body=saved.body, status=saved.status, headers=headers)
        try:
            status, payload, extra = await self._run(route, call)
        except StripeError as exc:
            if not exc.saved:
                self.idempotency.drop(key)
                raise
            status, payload, extra = exc.status, exc.body(request_id), _retry_header(exc)
        except BaseException:
            self.idempotency.drop(key)
            raise
        body = _dumps(payload).encode()
        headers = {"Request-Id": request_id, "Content-Type": "application/json",
                   "Idempotency-Key": key, **extra}
        self.idempotency.finish(key, status, body, headers)
        return web.Response(body=body, status=status, headers=headers)

    async def _run(self, route, call: Call) -> tuple[int, dict, dict]:
        if route.slow and self.processing_delay_ms > 0:
            await asyncio.sleep(self.processing_delay_ms / 1000)
        payload = route.handler(self, call)
        if "expand" in call.params:
            payload = expand(self.store, payload, call.params["expand"])
        return 200, payload, {}

    def _respond(self, status: int, payload: dict, request_id: str, extra: dict) -> web.Response:
        # any page may call the API with a publishable key, as it may call Stripe's (stripe.js does)
        headers = {"Request-Id": request_id, "Content-Type": "application/json", **stripe_js.CORS}
        if extra:
            headers.update(extra)
        return web.Response(body=_dumps(payload).encode(), status=status, headers=headers)

    def _error(self, exc: StripeError, request_id: str) -> web.Response:
        return self._respond(exc.status, exc.body(request_id), request_id, _retry_header(exc))


def _retry_header(exc: StripeError) -> dict:
    if exc.should_retry is None:
        return {}
    return {"Stripe-Should-Retry": "true" if exc.should_retry else "false"}


def _header_key(header: str | None) -> str:
    """The API key of an Authorization header (Bearer, or Basic as curl -u sends it), else ''."""
    if not header:
        return ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        import base64
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[0]
        except ValueError:
            return ""
    return ""


def _check_key(key: str, route) -> None:
    """Refuse a missing or live key, and a publishable key on a call only a server may make."""
    if not key:
        raise StripeError(401, "invalid_request_error",
                          "You did not provide an API key. You need to provide your API key in the "
                          "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    if key.startswith(LIVE_PREFIXES):
        raise StripeError(401, "invalid_request_error",
                          "paychaos refuses live API keys: this is a test gateway; use an sk_test_ key.")
    if key.startswith("pk_") and not route.browser:  # 403 as Stripe answers today (stripe-ruby: PermissionError)
        raise StripeError(403, "invalid_request_error",
                          "This API call cannot be made with a publishable API key. Please use a secret API key. "
                          "(paychaos: a pk_test_ key may only confirm or retrieve a PaymentIntent or SetupIntent "
                          "with its client_secret, create a PaymentMethod or a Token.)")
