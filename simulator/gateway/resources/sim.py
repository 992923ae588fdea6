"""The /_sim introspection and control API (no API key): health, reset, ledger, webhooks, config,
the customer's side of Alipay / WeChat Pay / bank transfer / 3-D Secure, and the passing of time for a
Checkout Session (`checkout_sessions/{id}/expire`).

Locked (see docs/gateway.md, "Local service"): the Host header must name a loopback address with the
gateway's own port (no DNS rebinding), an Origin header must be loopback, a POST must say
`Content-Type: application/json` (a cross-site page cannot send that without a CORS preflight, which
the gateway never answers), and every call must carry this run's token in `X-Paychaos-Token`
(another local user reaches 127.0.0.1 too), except the two that change and reveal nothing:
`GET /_sim/health` (a liveness probe, always `{"ok": true}`) and the customer's redirect page (a
browser follows it without our headers). Bodies are validated like the API's parameters: size,
depth, JSON without NaN/Infinity, known keys, types and ranges, all before any state changes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from aiohttp import web

from paychaos.common import localtoken
from paychaos.common.netsafety import is_loopback_host
from paychaos.gateway import ledger
from paychaos.gateway.errors import StripeError
from paychaos.gateway.limits import MAX_PROCESSING_DELAY_MS, MAX_SIM_BODY_BYTES, MAX_SIM_JSON_DEPTH
from paychaos.gateway.params import short
from paychaos.gateway.resources import alternatives, checkout_sessions
from paychaos.gateway.resources.events import new_endpoint
from paychaos.gateway.routing import Call

OFFERED = ("health, reset, ledger, config, webhooks, payment_intents/ID/complete and /fail, "
           "checkout_sessions/ID/expire")


class SimError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


def _json(payload, status: int = 200, request_id: str = "") -> web.Response:
    return web.Response(text=json.dumps(payload, separators=(",", ":")), status=status,
                        content_type="application/json", headers={"Request-Id": request_id})


def _error(exc: SimError, request_id: str) -> web.Response:
    err = StripeError(exc.status, "invalid_request_error", exc.message, param=exc.param, code=exc.code)
    return _json(err.body(request_id), exc.status, request_id)


# -- who may call ------------------------------------------------------------------------------

def own_host(header: str | None, port: int | None) -> bool:
    """Whether a Host header names this gateway: a loopback name or address with its port (any port
    when it is not known, as in a test that builds the app without serving it)."""
    if not header or "@" in header or "/" in header or "\\" in header:
        return False
    try:
        parts = urlsplit("//" + header)
        host, host_port = parts.hostname, parts.port
    except ValueError:
        return False
    if not host or not is_loopback_host(host):
        return False
    return port is None or host_port == port


def loopback_origin(origin: str) -> bool:
    try:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and is_loopback_host(parts.hostname) \
            and (parts.port is None or parts.port > 0)
    except ValueError:
        return False


def open_to_all(method: str, path: str) -> bool:
    """The /_sim calls that need no token: they change nothing and tell nothing about the run."""
    parts = path.strip("/").split("/")[1:]
    return method in ("GET", "HEAD") and (parts == ["health"] or (len(parts) == 3 and parts[0] == "redirect"))


def _check_caller(gw, request: web.BaseRequest) -> None:
    headers = request.headers
    host = headers.get("Host")
    if host not in gw.own_hosts and not own_host(host, gw.port):
        raise SimError(403, f"Forbidden: /_sim answers only requests addressed to this gateway "
                            f"(Host 127.0.0.1:{gw.port} or localhost:{gw.port}), not Host {short(str(host), 60)!r}")
    origin = headers.get("Origin")
    if origin is not None and not loopback_origin(origin):
        raise SimError(403, f"Forbidden: /_sim refuses requests from web pages of other sites "
                            f"(Origin {short(origin, 60)!r}); only loopback origins may call it")
    if not open_to_all(request.method, request.path):
        refused = localtoken.refusal(headers.get(localtoken.HEADER), gw.sim_token, "/_sim")
        if refused is not None:
            raise SimError(*refused)
    if request.method == "POST":
        ctype = headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if ctype != "application/json":
            raise SimError(415, f"Unsupported Content-Type {short(ctype, 60)!r}: a /_sim POST must carry "
                                f"Content-Type: application/json (with an empty body or a JSON object)")


# -- bodies ------------------------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """Deepest nesting of `[`/`{` in JSON text, strings skipped; read before json.loads recurses."""
    deepest = depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_body(raw: bytes) -> dict:
    """A /_sim body as a dict: empty, or a JSON object within the size and depth caps, without
    NaN/Infinity. Raises SimError (413 or 400) saying what is wrong."""
    if len(raw) > MAX_SIM_BODY_BYTES:
        raise SimError(413, f"Request body too large: at most {MAX_SIM_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SimError(400, "Invalid body: not UTF-8 text") from None
    if json_depth(text) > MAX_SIM_JSON_DEPTH:
        raise SimError(400, f"Invalid body: JSON nested more than {MAX_SIM_JSON_DEPTH} levels deep")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError cannot happen below the depth cap
        raise SimError(400, f"Invalid body: not JSON ({short(str(exc), 120)})") from None
    if not isinstance(value, dict):
        raise SimError(400, "Invalid body: expected a JSON object")
    return value


def _only(body: dict, *known: str) -> None:
    for key in body:
        if key not in known:
            what = f"; this call takes {', '.join(known)}" if known else "; this call takes no parameters"
            raise SimError(400, f"Received unknown parameter: {short(key, 60)}{what}", short(key, 60),
                           "parameter_unknown")


def _int(body: dict, name: str, lo: int, hi: int) -> int:
    value = body[name]
    if type(value) is not int or not lo <= value <= hi:  # bool is an int subclass: refused too
        shown = short(repr(value), 40)
        raise SimError(400, f"Invalid {name}: {shown} (valid: an integer {lo}..{hi})", name,
                       "parameter_invalid_integer")
    return value


def _str(body: dict, name: str, max_len: int) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= max_len):
        raise SimError(400, f"Invalid {name}: expected a string of 1..{max_len} characters", name)
    return value


# -- endpoints ---------------------------------------------------------------------------------

async def handle(gw, request: web.BaseRequest, request_id: str) -> web.Response:
    try:
        _check_caller(gw, request)
        body = {}
        if request.method == "POST":
            if (request.content_length or 0) > MAX_SIM_BODY_BYTES:  # refused before it is read
                raise SimError(413, f"Request body too large: at most {MAX_SIM_BODY_BYTES} bytes")
            body = parse_body(await request.read())
        return _dispatch(gw, request, body, request_id)
    except SimError as exc:
        return _error(exc, request_id)


def _dispatch(gw, request: web.BaseRequest, body: dict, request_id: str) -> web.Response:
    parts = request.path.strip("/").split("/")[1:]
    method = request.method
    if parts == ["health"] and method == "GET":
        return _json({"ok": True}, request_id=request_id)
    if parts == ["reset"] and method == "POST":
        _only(body)
        gw.reset()
        return _json({"ok": True}, request_id=request_id)
    if parts == ["ledger"] and method == "GET":
        return _json(ledger.build(gw), request_id=request_id)
    if parts == ["config"] and method in ("GET", "POST"):
        return _config(gw, body, request_id)
    if parts == ["webhooks"] and method in ("GET", "POST", "DELETE"):
        return _webhooks(gw, method, body, request_id)
    if len(parts) == 3 and parts[0] == "payment_intents" and parts[2] in ("complete", "fail") and method == "POST":
        _only(body)
        pi = gw.store.payment_intents.get(parts[1])
        if pi is None:
            raise SimError(404, f"No such payment_intent: '{short(parts[1], 60)}'", "id")
        call = Call({}, (parts[1],), request_id, None, gw.base_url)
        try:
            done = alternatives.complete if parts[2] == "complete" else alternatives.fail
            return _json(done(gw, pi, call), request_id=request_id)
        except StripeError as exc:
            return _json(exc.body(request_id), exc.status, request_id)
    if len(parts) == 3 and parts[0] == "checkout_sessions" and parts[2] == "expire" and method == "POST":
        _only(body)
        cs = gw.store.checkout_sessions.get(parts[1])
        if cs is None:
            raise SimError(404, f"No such checkout session: '{short(parts[1], 60)}'", "id")
        if cs["status"] != "open":
            raise SimError(400, f"Checkout Session {cs['id']} is {cs['status']}: only an open session's time "
                                f"can run out", code="checkout_session_unexpected_state")
        # the session's time is up (as if expires_at had passed): checkout.session.expired, as Stripe sends it
        call = Call({}, (parts[1],), request_id, None, gw.base_url)
        return _json(checkout_sessions.time_up(gw, cs, call), request_id=request_id)
    if len(parts) == 3 and parts[0] == "redirect" and method == "GET":
        return web.Response(text=f"paychaos: the customer's {short(parts[1], 40)} page for {short(parts[2], 60)}. "
                                 f"Finish it with POST /_sim/payment_intents/{short(parts[2], 60)}/complete "
                                 f"(or /fail).\n")
    raise SimError(404, f"Unrecognized request URL ({method}: {short(request.path, 100)}); /_sim offers {OFFERED}")


def _config(gw, body: dict, request_id: str) -> web.Response:
    _only(body, "processing_delay_ms")
    if "processing_delay_ms" in body:
        gw.processing_delay_ms = _int(body, "processing_delay_ms", 0, MAX_PROCESSING_DELAY_MS)
    return _json({"processing_delay_ms": gw.processing_delay_ms}, request_id=request_id)


def _webhooks(gw, method: str, body: dict, request_id: str) -> web.Response:
    hooks = gw.webhooks
    if method == "POST":
        _only(body, "url", "secret", "enabled_events")
        url = body.get("url")
        refusal = hooks.url_refusal(url) if isinstance(url, str) else "expected an http(s) URL"
        if refusal is not None:
            raise SimError(400, f"Invalid url: {refusal}", "url")
        secret = _str(body, "secret", 255)
        events = body.get("enabled_events")
        if events is not None and (not isinstance(events, list) or not 0 < len(events) <= 100
                                   or not all(isinstance(e, str) and 0 < len(e) <= 100 for e in events)):
            raise SimError(400, "Invalid enabled_events: expected a list of 1..100 event types such as "
                                "[\"payment_intent.succeeded\"] or [\"*\"]", "enabled_events")
        for ep in list(hooks.endpoints.values()):  # "adds/replaces": one /_sim endpoint per URL
            if ep["url"] == url:
                hooks.remove_endpoint(ep["id"])
        endpoint = new_endpoint(gw, url, list(events or ["*"]), secret)
        return _json(endpoint, request_id=request_id)
    if method == "DELETE":
        for ident in list(hooks.endpoints.by_id):
            hooks.remove_endpoint(ident)
        return _json({"ok": True}, request_id=request_id)
    return _json({"endpoints": list(hooks.endpoints.values()), **hooks.stats(),
                  "deliveries": list(hooks.log)}, request_id=request_id)
