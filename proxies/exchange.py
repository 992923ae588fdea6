"""The adapter a fault acts on: one mitmproxy flow plus what the addon knows about it.

`ExchangeState` is what the journal record is built from; `FlowExchange` is the `Exchange` protocol
of paychaos.proxies.faults.base, implemented with mitmproxy's flow and the addon's helpers (reset, refusing
port, trickle server, webhook re-delivery).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mitmproxy import http

from paychaos.proxies.journal import alipay_key, request_fields, wechatpay_key

if TYPE_CHECKING:
    from paychaos.proxies.addon import PaychaosAddon
    from paychaos.proxies.rules import Firing


@dataclass(slots=True)
class ExchangeState:
    journal_id: str
    seq: int
    scenario: str | None
    upstream: str
    direction: str
    method: str
    path: str
    query: str
    idempotency_key: str | None
    request: dict
    event: dict | None
    t_start: float
    firings: list[Firing] = field(default_factory=list)
    t_first_byte: float | None = None
    error: str | None = None
    upstream_status: int | None = None
    trickle: bool = False
    hung: bool = False
    killed: bool = False
    journaled: bool = False
    replay_of: str | None = None
    ended_by: str | None = None       # "rules_replaced": a held exchange ended by a change of rules
    forged: str | None = None         # a delivery webhook_forge made up: its mode
    host: str | None = None           # forward mode: the Stripe host the client asked for (api.stripe.com, ...)
    extra_faults: list[dict] = field(default_factory=list)

    def faults(self) -> list[dict]:
        if not self.firings:   # the usual case: no rule fired
            return list(self.extra_faults)
        return self.extra_faults + [{"fault": f.rule.fault, "rule": f.rule.id,
                                     **({"phase": f.rule.phase} if f.rule.phase else {})}
                                    for f in self.firings]


class FlowExchange:
    """One firing rule's view of the flow (its own seeded dice in `rng`)."""

    def __init__(self, flow: http.HTTPFlow, state: ExchangeState, addon: PaychaosAddon, firing: Firing):
        self.flow, self.state, self.addon = flow, state, addon
        self.rng = firing.rng
        self.rule = firing.rule
        self.upstream, self.method, self.path = state.upstream, state.method, state.path
        self.fields = state.request

    # -- the request as it arrived
    def request_body(self) -> bytes:
        return self.flow.request.get_content(strict=False) or b""

    def request_header(self, name: str) -> str | None:
        return self.flow.request.headers.get(name)

    # -- answers
    def respond(self, status: int, body: dict | bytes, headers: dict | None = None) -> None:
        content = json.dumps(body).encode() if isinstance(body, dict) else body
        self.flow.response = http.Response.make(status, content, headers or {"Content-Type": "application/json"})
        self.state.t_first_byte = time.time()

    def response_status(self) -> int | None:
        return self.flow.response.status_code if self.flow.response else None

    def response_body(self) -> bytes:
        return (self.flow.response.get_content(strict=False) or b"") if self.flow.response else b""

    def response_json(self) -> dict | None:
        try:
            data = json.loads(self.response_body())
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def replace_response(self, status: int | None = None, body: dict | bytes | None = None,
                         headers: dict | None = None) -> None:
        resp = self.flow.response
        if resp is None:
            return
        if status is not None:
            resp.status_code = status
            resp.reason = ""
        if headers:
            for k, v in headers.items():
                resp.headers[k] = v
        if body is not None:
            resp.headers.pop("content-encoding", None)
            resp.content = json.dumps(body).encode() if isinstance(body, dict) else body

    def set_request_field(self, name: str, value: str) -> None:
        req = self.flow.request
        if "json" in req.headers.get("content-type", ""):
            data = json.loads(req.get_text() or "{}")
            data[name] = value
            req.text = json.dumps(data)
        else:
            form = req.urlencoded_form
            form[name] = value

    def not_applied(self) -> None:
        """From on_response: this fault found nothing to act on, so the journal does not list it."""
        self.state.firings = [f for f in self.state.firings if f.rule is not self.rule]
        self.flow.metadata.setdefault("paychaos", {})["faults"] = self.state.faults()

    # -- connections
    def kill(self, *, reset: bool) -> None:
        self.state.error = "reset" if reset else "close"
        self.state.killed = True
        if reset:
            self.addon.set_rst(self.flow)
        self.flow.kill()

    def hang(self) -> None:
        self.state.hung = True
        self.flow.intercept()

    def refuse(self) -> None:
        self.addon.send_to_refusing_port(self.flow)

    def trickle(self, bytes_per_s: float) -> None:
        self.addon.send_through_trickle(self.flow, self.state, bytes_per_s)

    # -- webhook leg
    def deliver_again(self, delay_s: float = 0.0) -> None:
        self.addon.redeliver(self.flow, self.state, self.rule, delay_s=delay_s)

    def deliver_after_next(self, hold_s: float) -> None:
        self.addon.hold_until_next(self.flow, self.state, self.rule, hold_s)
        self.respond(200, {"received": True, "paychaos": "webhook_reorder"})

    def deliver_forged(self, body: bytes, signature: str | None, *, mode: str, delay_s: float = 0.0,
                       headers: dict[str, str | None] | None = None) -> None:
        """Deliver `body` to the merchant as a request of its own, with this Stripe-Signature (None: none);
        `headers` set (a value) or remove (None) others instead, e.g. WeChat Pay's Wechatpay-Signature."""
        self.addon.deliver_forged(self.flow, self.state, self.rule, body, signature, mode=mode, delay_s=delay_s,
                                  headers=headers)

    async def sleep(self, seconds: float) -> None:
        """Hold the exchange until `seconds` after the request arrived: time the proxy already spent
        on it (queueing behind other flows on a busy event loop) counts toward the delay."""
        arrived = self.flow.request.timestamp_end or self.flow.request.timestamp_start or time.time()
        await self.addon.wait(arrived + seconds - time.time())   # cut short when the rules change


REQUEST_HEADERS = {b"content-type": "content-type", b"content-encoding": "content-encoding",
                   b"idempotency-key": "idempotency-key", b"authorization": "authorization"}
RESPONSE_HEADERS = {b"content-encoding": "content-encoding", b"retry-after": "retry-after",
                    b"stripe-should-retry": "stripe-should-retry"}


def header_values(headers: http.Headers, wanted: dict[bytes, str]) -> dict[str, str]:
    """The first value of each wanted header (keys: lower-case bytes -> name), in one pass over the raw
    fields: each of mitmproxy's case-insensitive lookups scans and decodes them all again."""
    out: dict[str, str] = {}
    for key, value in headers.fields:
        name = wanted.get(key.lower())
        if name is not None and name not in out:
            out[name] = value.decode("utf-8", "surrogateescape")
    return out


def content_of(message: http.Message, headers: dict[str, str]) -> bytes:
    """The decoded body; the raw bytes as they are when nothing is content-encoded (the usual case)."""
    if headers.get("content-encoding", "identity").strip().lower() in ("", "identity"):
        return message.raw_content or b""
    return message.get_content(strict=False) or b""


def new_state(flow: http.HTTPFlow, *, headers: dict[str, str], body: bytes, journal_id: str, seq: int,
              scenario: str | None, upstream: str, event: dict | None) -> ExchangeState:
    req = flow.request
    path, _, query = req.path.partition("?")
    fields = request_fields(headers.get("content-type", ""), body, query)
    return ExchangeState(
        journal_id=journal_id, seq=seq, scenario=scenario, upstream=upstream,
        direction="to_merchant" if upstream == "webhooks" else "to_gateway",
        method=req.method, path=path, query=query,
        idempotency_key=headers.get("idempotency-key") or alipay_key(fields) or wechatpay_key(req.method, path, body),
        request=fields, event=event, t_start=req.timestamp_start or time.time())
