"""The /_sim introspection and control API (no API key): health, reset, ledger, webhooks, config,
and the customer's side of Alipay / WeChat Pay / bank transfer / 3-D Secure."""

from __future__ import annotations

import json

from aiohttp import web

from simulator.gateway import ledger
from simulator.gateway.errors import StripeError
from simulator.gateway.forms import parse_form
from simulator.gateway.resources import alternatives
from simulator.gateway.resources.events import new_endpoint
from simulator.gateway.routing import Call


def _json(payload, status: int = 200, request_id: str = "") -> web.Response:
    return web.Response(text=json.dumps(payload, separators=(",", ":")), status=status,
                        content_type="application/json", headers={"Request-Id": request_id})


def _error(status: int, message: str, request_id: str, param: str | None = None) -> web.Response:
    err = StripeError(status, "invalid_request_error", message, param=param)
    return _json(err.body(request_id), status, request_id)


async def _body(request: web.BaseRequest) -> dict:
    raw = await request.read()
    if not raw:
        return {}
    text = raw.decode("utf-8", errors="replace")
    if "json" in request.headers.get("Content-Type", "") or text.lstrip().startswith("{"):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("the body must be a JSON object")
        return value
    return parse_form(text)


async def handle(gw, request: web.BaseRequest, request_id: str) -> web.Response:
    parts = request.path.strip("/").split("/")[1:]
    method = request.method
    try:
        body = await _body(request) if method == "POST" else {}
    except (ValueError, StripeError) as exc:
        return _error(400, f"Invalid body: {exc}", request_id)
    if parts == ["health"] and method == "GET":
        return _json({"ok": True}, request_id=request_id)
    if parts == ["reset"] and method == "POST":
        gw.reset()
        return _json({"ok": True}, request_id=request_id)
    if parts == ["ledger"] and method == "GET":
        return _json(ledger.build(gw), request_id=request_id)
    if parts == ["config"]:
        return _config(gw, method, body, request_id)
    if parts == ["webhooks"]:
        return _webhooks(gw, method, body, request_id)
    if len(parts) == 3 and parts[0] == "payment_intents" and parts[2] in ("complete", "fail") and method == "POST":
        pi = gw.store.payment_intents.get(parts[1])
        if pi is None:
            return _error(404, f"No such payment_intent: '{parts[1]}'", request_id, "id")
        call = Call({}, (parts[1],), request_id, None, gw.base_url)
        try:
            done = alternatives.complete if parts[2] == "complete" else alternatives.fail
            return _json(done(gw, pi, call), request_id=request_id)
        except StripeError as exc:
            return _json(exc.body(request_id), exc.status, request_id)
    if len(parts) == 3 and parts[0] == "redirect" and method == "GET":
        return web.Response(text=f"paychaos: the customer's {parts[1]} page for {parts[2]}. Finish it with "
                                 f"POST /_sim/payment_intents/{parts[2]}/complete (or /fail).\n")
    return _error(404, f"Unrecognized request URL ({method}: {request.path}); /_sim offers health, reset, "
                       f"ledger, config, webhooks, payment_intents/ID/complete and /fail", request_id)


def _config(gw, method: str, body: dict, request_id: str) -> web.Response:
    if method == "POST" and "processing_delay_ms" in body:
        value = body["processing_delay_ms"]
        try:
            delay = int(value)
        except (TypeError, ValueError):
            delay = -1
        if delay < 0:
            return _error(400, f"Invalid processing_delay_ms: {value!r} (valid: an integer >= 0)",
                          request_id, "processing_delay_ms")
        gw.processing_delay_ms = delay
    return _json({"processing_delay_ms": gw.processing_delay_ms}, request_id=request_id)


def _webhooks(gw, method: str, body: dict, request_id: str) -> web.Response:
    hooks = gw.webhooks
    if method == "POST":
        url, secret = body.get("url"), body.get("secret")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _error(400, "Invalid url: expected an http(s) URL", request_id, "url")
        if secret is not None and not isinstance(secret, str):
            return _error(400, "Invalid secret: expected a string such as whsec_...", request_id, "secret")
        for ep in list(hooks.endpoints.values()):  # "adds/replaces": one /_sim endpoint per URL
            if ep["url"] == url:
                hooks.remove_endpoint(ep["id"])
        events = body.get("enabled_events") or ["*"]
        endpoint = new_endpoint(gw, url, list(events), secret)
        return _json(endpoint, request_id=request_id)
    if method == "DELETE":
        for ident in list(hooks.endpoints.by_id):
            hooks.remove_endpoint(ident)
        return _json({"ok": True}, request_id=request_id)
    return _json({"endpoints": list(hooks.endpoints.values()), **hooks.stats(),
                  "deliveries": list(hooks.log)}, request_id=request_id)
