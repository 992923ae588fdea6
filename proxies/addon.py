"""The paychaos mitmproxy addon: rules, faults, journal, control API, live-key refusal, forward mode.

Loaded by `paychaos proxy`, and by plain mitmproxy as well:

    mitmdump -s proxies/addon.py --mode reverse:http://127.0.0.1:12111@8080 \
        --set connection_strategy=lazy --set paychaos_journal=run.jsonl --set paychaos_scenario=s.yaml
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import struct
import sys
import time

from mitmproxy import ctx, exceptions, http
from mitmproxy.net.http.url import hostport
from mitmproxy.proxy.mode_specs import ProxyMode, RegularMode, ReverseMode

from paychaos.common import localtoken
from paychaos.common.errors import InputError
from paychaos.common.localtoken import choose_token
from paychaos.common.masking import mask_text
from paychaos.common.netsafety import carries_live_key_in, is_loopback_host
from paychaos.common.paths import scenario_file
from paychaos.common.procs import announce_ready
from paychaos.common.strict_yaml import load_yaml_file
from paychaos.proxies import control
from paychaos.proxies.exchange import (
    REQUEST_HEADERS,
    RESPONSE_HEADERS,
    ExchangeState,
    FlowExchange,
    content_of,
    header_values,
    new_state,
)
from paychaos.proxies.faults.stripe_errors import CORS_HEADERS
from paychaos.proxies.journal import JournalWriter, json_line, response_summary, webhook_event
from paychaos.proxies.rules import Candidate, RuleSet, apply_phases, parse_rules
from paychaos.proxies.trickle import HEADER as TRICKLE_HEADER
from paychaos.proxies.trickle import Job, TrickleServer

DEFAULT_NAMES = "primary,backup,webhooks"
CLIENT_TIMEOUT_S = 30.0        # a request body must arrive in full within this long after its headers
CLIENT_TIMEOUT_SWEEP_S = 1.0   # how often overdue requests are looked for
INSPECTION_MESSAGE = ("paychaos could not inspect this request, so it did not forward it (see the proxy's "
                      "stderr and the journal, error inspection_failed).")
LIVE_KEY_MESSAGE = ("paychaos refused this request: it carries a live Stripe key (sk_live_/rk_live_/pk_live_). "
                    "paychaos only injects faults into test traffic; use a test key (sk_test_...).")


class PaychaosAddon:
    def __init__(self) -> None:
        self.rules = RuleSet()
        self.journal = JournalWriter(None)
        self.names: dict[str, str] = {}        # mode full_spec -> upstream name
        self.upstream_urls: dict[str, str] = {}  # upstream name -> base URL
        self._states: dict[str, ExchangeState] = {}
        self._hung: dict[str, http.HTTPFlow] = {}
        self._held: list[tuple[str, http.HTTPFlow]] = []   # (origin flow id, copy to deliver later)
        self._tasks: set[asyncio.Task] = set()
        self._rules_changed = asyncio.Event()   # set when the rules change: waits of the old rules end
        self._refusing: socket.socket | None = None
        self._trickle: TrickleServer | None = None
        self.hook_failures = 0
        self._reported: set[str] = set()      # kinds of failure already said on stderr
        self._host_header: dict[str, str] | None = None   # reverse mode spec -> Host to send upstream
        self._client_timeout_s = 0.0
        self._client_timeouts: dict[str, tuple[http.HTTPFlow, float]] = {}  # flow id -> (flow, deadline)
        self.control_token = ""    # what the control API wants in X-Paychaos-Token (see configure)

    # ------------------------------------------------------------- options
    def load(self, loader) -> None:
        loader.add_option("paychaos_scenario", str, "", "Scenario YAML whose `faults:` the proxy applies.")
        loader.add_option("paychaos_journal", str, "", "Journal file (JSON Lines); empty: no journal.")
        loader.add_option("paychaos_seed", int, 0, "Seed for the rules' dice (0: the scenario's, else 1).")
        loader.add_option("paychaos_names", str, DEFAULT_NAMES,
                          "Upstream names for the reverse modes, in the order of --mode.")
        loader.add_option("paychaos_allow_hosts", str, "", "Comma-separated non-loopback hosts allowed upstream.")
        loader.add_option("paychaos_forward_hosts", str, "api.stripe.com,js.stripe.com",
                          "Forward mode: hosts answered by the primary upstream (never the internet); "
                          "js.stripe.com: the gateway serves its stripe.js stand-in.")
        loader.add_option("paychaos_forward_to", str, "", "Forward mode: base URL for those hosts "
                          "(default: the primary reverse upstream).")
        loader.add_option("paychaos_announce", bool, False, "Print the PAYCHAOS_READY line once listening.")
        loader.add_option("paychaos_client_timeout_s", float, CLIENT_TIMEOUT_S,
                          "End a request whose body has not arrived in full this many seconds after its "
                          "headers (0: never).")
        loader.add_option("paychaos_control_token", str, "",
                          "Token every control API call must carry in X-Paychaos-Token (empty: $PAYCHAOS_TOKEN, "
                          "else a random one, printed in the ready line or on stderr).")

    def configure(self, updated) -> None:
        if "mode" in updated or "paychaos_names" in updated or "paychaos_allow_hosts" in updated:
            self._map_modes()
        given = ctx.options.paychaos_control_token
        if ("paychaos_control_token" in updated and given) or not self.control_token:
            try:  # the option, else $PAYCHAOS_TOKEN, else a random one, chosen once
                self.control_token = choose_token(given or None, flag="paychaos_control_token")
            except InputError as exc:
                raise exceptions.OptionsError(str(exc)) from None
        if "paychaos_client_timeout_s" in updated:
            self._client_timeout_s = max(0.0, ctx.options.paychaos_client_timeout_s)
        if "paychaos_journal" in updated:
            self.journal.close()
            self.journal = JournalWriter(ctx.options.paychaos_journal or None)
        if "paychaos_scenario" in updated or "paychaos_seed" in updated:
            try:
                self.rules = load_scenario_rules(ctx.options.paychaos_scenario, ctx.options.paychaos_seed)
            except InputError as exc:
                raise exceptions.OptionsError(str(exc)) from None

    def _map_modes(self) -> None:
        names = [n.strip() for n in ctx.options.paychaos_names.split(",") if n.strip()]
        allowed = tuple(h.strip() for h in ctx.options.paychaos_allow_hosts.split(",") if h.strip())
        self.names, self.upstream_urls = {}, {}
        reverse = [m for m in map(ProxyMode.parse, ctx.options.mode) if isinstance(m, ReverseMode)]
        for i, mode in enumerate(reverse):
            name = names[i] if i < len(names) else f"upstream{i + 1}"
            host = mode.address[0]
            if not (is_loopback_host(host) or host in allowed):
                raise exceptions.OptionsError(
                    f"upstream host '{host}' is not loopback; allow it with paychaos_allow_hosts={host}")
            self.names[mode.full_spec] = name
            self.upstream_urls.setdefault(name, f"{mode.scheme}://{host}:{mode.address[1]}")
            if self._host_header is not None:
                self._host_header[mode.full_spec] = hostport(mode.scheme, host, mode.address[1])

    async def running(self) -> None:
        # The control API needs the Host the client sent (DNS rebinding), which mitmproxy's reverse
        # mode overwrites before any hook runs unless keep_host_header is on. So it is turned on, and
        # `_restore_host_header` sets the upstream's Host on forwarded requests, as mitmproxy would.
        if not ctx.options.keep_host_header:
            self._host_header = {}
            ctx.options.update(keep_host_header=True)
            self._map_modes()
        self._spawn(self._sweep_client_timeouts())
        self._refusing = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._refusing.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        self._trickle = TrickleServer()
        await self._trickle.start()
        # Everything alive now (mitmproxy, cryptography, ...) lives as long as the proxy: keep it out of
        # the cyclic collector, whose full passes over it stalled held flows by tens of ms at p99.
        gc.freeze()
        if ctx.options.paychaos_announce:
            announce_ready("proxy", **self.listeners(), token=self.control_token)
        else:  # plain mitmdump -s: the token has to be said somewhere its user sees it
            sys.stderr.write(f"paychaos: control API token (send it as {localtoken.HEADER}): "
                             f"{self.control_token}\n")

    def listeners(self) -> dict:
        ps = ctx.master.addons.get("proxyserver")
        listeners, forward = {}, None
        for server in ps.servers:
            if not server.listen_addrs:
                continue
            host, port = server.listen_addrs[0][:2]
            url = f"http://{'127.0.0.1' if host in ('', '0.0.0.0', '::') else host}:{port}"
            if isinstance(server.mode, RegularMode):
                forward = url
            elif server.mode.full_spec in self.names:
                listeners[self.names[server.mode.full_spec]] = url
        primary = listeners.get("primary") or next(iter(listeners.values()), forward)
        confdir = os.path.expanduser(ctx.options.confdir)
        return {"url": primary, "listeners": listeners, "control": f"{primary}{control.PREFIX}",
                "journal": self.journal.path, "forward": forward,
                "ca_cert": os.path.join(confdir, "mitmproxy-ca-cert.pem") if forward else None}

    async def done(self) -> None:
        self._client_timeouts.clear()
        for flow in list(self._hung.values()):
            self._finish(flow, error="timeout")
        for task in list(self._tasks):
            task.cancel()
        if self._trickle:
            await self._trickle.stop()
        if self._refusing:
            self._refusing.close()
        self.journal.close()

    # ------------------------------------------------------------- hooks
    async def request(self, flow: http.HTTPFlow) -> None:
        """Control API, then the live-key refusal (before anything parses the request), then the
        rules. Fails closed: whatever raises, the request is refused with a 502 and journaled with
        `error: "inspection_failed"`, never forwarded."""
        self._client_timeouts.pop(flow.id, None)
        if flow.request.path.startswith(control.PREFIX):
            self._answer_control(flow)
            return
        if flow.id in self._states:  # a webhook re-delivery made by a fault: no rules apply
            self._states[flow.id].t_start = time.time()
            return
        try:
            await self._inspect_request(flow)
        except Exception as exc:  # noqa: BLE001 - fail closed, whatever it was
            self._inspection_failed(flow, "request", exc)

    async def _inspect_request(self, flow: http.HTTPFlow) -> None:
        if self._host_header is not None:
            self._restore_host_header(flow)
        upstream = self.names.get(flow.client_conn.proxy_mode.full_spec, "primary")
        headers = header_values(flow.request.headers, REQUEST_HEADERS)
        live_key = self._carries_live_key(flow, headers)
        forward_refusal = None
        if not live_key and isinstance(flow.client_conn.proxy_mode, RegularMode):
            forward_refusal = self._route_forward(flow)
        journal_id, seq = self.journal.next_id()
        if live_key:  # journaled with what can be read without parsing the body
            state = self._bare_state(flow, journal_id, seq, upstream)
            self._states[flow.id] = state
            state.error = "live_key"
            self._respond_error(flow, state, 403, "invalid_request_error", LIVE_KEY_MESSAGE, "live_key_refused")
            return
        body = content_of(flow.request, headers)
        event = webhook_event(body) if upstream == "webhooks" else None
        state = new_state(flow, headers=headers, body=body, journal_id=journal_id, seq=seq,
                          scenario=self.rules.scenario, upstream=upstream, event=event)
        self._states[flow.id] = state
        flow.metadata["paychaos"] = {"journal_id": journal_id}
        if forward_refusal:
            state.error = "not_allowed"
            self._respond_error(flow, state, 403, "invalid_request_error", forward_refusal, "host_not_allowed")
            return
        state.firings = self.rules.decide(Candidate(
            upstream=upstream, method=state.method, path=state.path, fields=state.request,
            headers=flow.request.headers,  # case-insensitive already; no per-request copy
            event_type=(event or {}).get("type")))
        flow.metadata["paychaos"]["faults"] = state.faults()
        for i, firing in enumerate(state.firings):
            await firing.fault.on_request(FlowExchange(flow, state, self, firing))
            settled = state.killed or state.hung or flow.response is not None
            if settled:
                state.firings = state.firings[: i + 1]  # later rules never touched this exchange
                flow.metadata["paychaos"]["faults"] = state.faults()
            if state.killed:
                self._finish(flow)
                return
            if state.hung:
                self._hung[flow.id] = flow
                return
            if settled:
                return

    @staticmethod
    def _carries_live_key(flow: http.HTTPFlow, headers: dict[str, str]) -> bool:
        """Path, query, every header and the body, raw and (when content-encoded) decoded."""
        req = flow.request
        raw = req.raw_content or b""
        if carries_live_key_in(req.path, req.headers.fields, raw):
            return True
        if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
            return carries_live_key_in("", (), req.get_content(strict=False) or b"")
        return False

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """A request whose body has not arrived in full within paychaos_client_timeout_s is ended
        (the `request` hook, which runs once the body is complete, lets go of it)."""
        if self._client_timeout_s > 0 and not flow.request.path.startswith(control.PREFIX):
            self._client_timeouts[flow.id] = (flow, time.monotonic() + self._client_timeout_s)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state = self._states.get(flow.id)
        if state is None:
            return
        if state.trickle:
            flow.response.stream = True
        if state.t_first_byte is None:
            state.t_first_byte = time.time()

    async def response(self, flow: http.HTTPFlow) -> None:
        state = self._states.get(flow.id)
        if state is None:
            return
        try:
            if flow.server_conn.timestamp_start is not None and state.upstream_status is None:
                state.upstream_status = flow.response.status_code
            for firing in state.firings:
                await firing.fault.on_response(FlowExchange(flow, state, self, firing))
                if state.killed:
                    break
        except Exception as exc:  # noqa: BLE001 - journaled as such; the answer goes on as it is
            self._inspection_failed(flow, "response", exc)
            return
        self._allow_origin(flow, state)
        self._finish(flow)
        if state.upstream == "webhooks" and state.replay_of is None:
            self._release_held(after=flow.id)

    @staticmethod
    def _allow_origin(flow: http.HTTPFlow, state: ExchangeState) -> None:
        """A browser's call (it sent Origin) to a gateway gets the gateway's CORS header on every answer,
        also one a fault made up (an http_error, a rate limit, a garbage body): the page's stripe.js then
        reads the fault's status and body, as it would Stripe's, instead of a CORS failure. Not for a
        host forward mode refused (never a gateway) nor on the webhook leg."""
        resp = flow.response
        if (resp is None or state.upstream == "webhooks" or state.error == "not_allowed"
                or "origin" not in flow.request.headers or "access-control-allow-origin" in resp.headers):
            return
        resp.headers.update(CORS_HEADERS)

    def error(self, flow: http.HTTPFlow) -> None:
        self._client_timeouts.pop(flow.id, None)
        state = self._states.get(flow.id)
        if state is None or state.journaled:
            return
        msg = (flow.error.msg if flow.error else "").lower()
        kind = state.error or ("refused" if "refused" in msg or "connect" in msg else
                               "timeout" if state.hung else "upstream")
        self._finish(flow, error=kind)

    def client_disconnected(self, client) -> None:
        for flow in list(self._hung.values()):
            if flow.client_conn.id == client.id:
                self._finish(flow, error="timeout")

    # ------------------------------------------------------------- helpers used by faults
    def set_rst(self, flow: http.HTTPFlow) -> None:
        """SO_LINGER {1, 0}: closing the client socket then sends a TCP RST instead of a FIN."""
        ps = ctx.master.addons.get("proxyserver")
        handler = ps.connections.get(flow.client_conn.id)
        io = handler.transports.get(flow.client_conn) if handler else None
        sock = io.writer.get_extra_info("socket") if io and io.writer else None
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def send_to_refusing_port(self, flow: http.HTTPFlow) -> None:
        flow.request.scheme, flow.request.host = "http", "127.0.0.1"
        flow.request.port = self._refusing.getsockname()[1]
        self._states[flow.id].error = "refused"

    def send_through_trickle(self, flow: http.HTTPFlow, state: ExchangeState, bytes_per_s: float) -> None:
        req = flow.request
        base = f"{req.scheme}://{req.host}:{req.port}"

        def on_status(status: int) -> None:
            state.upstream_status = status

        token = self._trickle.add(Job(base, bytes_per_s, on_status))
        req.headers[TRICKLE_HEADER] = token
        req.scheme, req.host, req.port = "http", "127.0.0.1", self._trickle.port
        state.trickle = True

    def redeliver(self, flow: http.HTTPFlow, state: ExchangeState, rule, *, delay_s: float) -> None:
        copy = self._copy_for_delivery(flow, state, rule)
        self._spawn(self._replay_later(copy, delay_s))

    def deliver_forged(self, flow: http.HTTPFlow, state: ExchangeState, rule, body: bytes,
                       signature: str | None, *, mode: str, delay_s: float,
                       headers: dict[str, str | None] | None = None) -> None:
        """A made-up delivery to the merchant, journaled as its own exchange (`forged`, `replay_of`)."""
        copy = self._copy_for_delivery(flow, state, rule)
        req = copy.request
        req.headers.pop("content-encoding", None)
        req.content = body
        if headers is not None:   # another dialect's signature headers (WeChat Pay's Wechatpay-*)
            for name, value in headers.items():
                if value is None:
                    req.headers.pop(name, None)
                else:
                    req.headers[name] = value
        elif signature is None:
            req.headers.pop("Stripe-Signature", None)
        else:
            req.headers["Stripe-Signature"] = signature
        forged = self._states[copy.id]
        forged.event = webhook_event(body)
        forged.forged = mode
        self._spawn(self._replay_later(copy, delay_s))

    def hold_until_next(self, flow: http.HTTPFlow, state: ExchangeState, rule, hold_s: float) -> None:
        copy = self._copy_for_delivery(flow, state, rule)
        self._held.append((flow.id, copy))
        self._spawn(self._release_after(copy, hold_s))

    # ------------------------------------------------------------- failures, health, control
    def health(self) -> dict:
        """The counters of GET /_paychaos/health: `ok` is false once any record could not be written."""
        return {"ok": self.journal.failures == 0, "journal_records": self.journal.records,
                "in_flight": len(self._states) + len(self._held),
                "journal_failures": self.journal.failures, "hook_failures": self.hook_failures,
                **({"journal_last_failure": self.journal.last_failure} if self.journal.last_failure else {})}

    def _note_failure(self, kind: str, detail: str) -> None:
        """Say on stderr what failed, once per kind; the counters hold how often."""
        if kind in self._reported:
            return
        self._reported.add(kind)
        sys.stderr.write(f"paychaos proxy: {detail} (counted on GET {control.PREFIX}/health; "
                         "later ones of this kind are not printed)\n")
        sys.stderr.flush()

    def _inspection_failed(self, flow: http.HTTPFlow, hook: str, exc: BaseException) -> None:
        """Fail closed: journal the exchange with what could be read and `inspection_failed`; a request
        is answered by the proxy (502, Stripe's error shape), never forwarded."""
        self.hook_failures += 1
        self._note_failure(f"hook:{hook}:{type(exc).__name__}",
                           f"the {hook} hook failed ({type(exc).__name__}: {_clip(str(exc))}); "
                           f"the exchange was journaled with error inspection_failed"
                           + ("; the request was refused, not forwarded" if hook == "request" else ""))
        self._hung.pop(flow.id, None)
        state = self._states.get(flow.id)
        if state is None:
            journal_id, seq = self.journal.next_id()
            state = self._bare_state(flow, journal_id, seq,
                                     self.names.get(flow.client_conn.proxy_mode.full_spec, "primary"))
            self._states[flow.id] = state
        state.error = "inspection_failed"
        state.hung = state.killed = False
        if hook == "request":
            state.firings = []
            state.upstream_status = None
            self._respond_error(flow, state, 502, "api_error", INSPECTION_MESSAGE, "inspection_failed")
            if flow.intercepted:
                flow.resume()
        self._finish(flow)

    def _bare_state(self, flow: http.HTTPFlow, journal_id: str, seq: int, upstream: str) -> ExchangeState:
        """What can be read of a request without parsing its body (which may be what failed)."""
        req = flow.request
        try:
            path, _, query = req.path.partition("?")
            method = req.method
            key = req.headers.get("idempotency-key")
        except Exception:  # noqa: BLE001 - a request mitmproxy cannot even decode
            path, query, method, key = "", "", "", None
        return ExchangeState(
            journal_id=journal_id, seq=seq, scenario=self.rules.scenario, upstream=upstream,
            direction="to_merchant" if upstream == "webhooks" else "to_gateway",
            method=method, path=path, query=query, idempotency_key=key, request={}, event=None,
            t_start=req.timestamp_start or time.time())

    def _answer_control(self, flow: http.HTTPFlow) -> None:
        req = flow.request
        try:
            status, body = control.handle(
                control.ControlRequest(method=req.method, path=req.path, host=req.host_header or "",
                                       origin=req.headers.get("origin"),
                                       token=req.headers.get(localtoken.HEADER),
                                       content_type=req.headers.get("content-type"),
                                       body=req.get_content(strict=False) or b""),
                self.rules, self._install, self.health, self.control_token)
        except Exception as exc:  # noqa: BLE001 - a control request never reaches the upstream either
            self.hook_failures += 1
            self._note_failure(f"control:{type(exc).__name__}",
                               f"the control API failed ({type(exc).__name__}: {_clip(str(exc))})")
            status, body = 500, {"error": {"type": "api_error", "message": "paychaos control API failed"}}
        flow.response = http.Response.make(status, json.dumps(body), {"Content-Type": "application/json"})

    def _restore_host_header(self, flow: http.HTTPFlow) -> None:
        """The Host mitmproxy's reverse mode sends upstream (keep_host_header is on for the control API)."""
        host = self._host_header.get(flow.client_conn.proxy_mode.full_spec)
        if host is not None:
            flow.request.host_header = host

    async def _sweep_client_timeouts(self) -> None:
        """Once a second: end requests whose body is overdue (a Content-Length larger than the body
        would otherwise hold the connection until mitmproxy's 10-minute idle timeout, or forever if
        a byte trickles in now and then). Journaled with `error: "client_timeout"`."""
        while True:
            await asyncio.sleep(CLIENT_TIMEOUT_SWEEP_S)
            now = time.monotonic()
            for flow_id, (flow, deadline) in list(self._client_timeouts.items()):
                if deadline > now:
                    continue
                self._client_timeouts.pop(flow_id, None)
                try:
                    self._end_client_timeout(flow)
                except Exception as exc:  # noqa: BLE001
                    self.hook_failures += 1
                    self._note_failure(f"client_timeout:{type(exc).__name__}",
                                       f"ending an overdue request failed ({type(exc).__name__}: {exc})")

    def _end_client_timeout(self, flow: http.HTTPFlow) -> None:
        journal_id, seq = self.journal.next_id()
        state = self._bare_state(flow, journal_id, seq,
                                 self.names.get(flow.client_conn.proxy_mode.full_spec, "primary"))
        state.error = "client_timeout"
        self._states[flow.id] = state
        self._finish(flow)
        ps = ctx.master.addons.get("proxyserver")
        handler = ps.connections.get(flow.client_conn.id) if ps else None
        io = handler.transports.get(flow.client_conn) if handler else None
        if io is not None and io.writer is not None:
            io.writer.close()

    # ------------------------------------------------------------- internals
    def _install(self, ruleset: RuleSet) -> None:
        """New rules (or none): exchanges still held by `hang` end now, journaled as timeouts, so a
        scenario's journal is complete when its rules are cleared."""
        for flow in list(self._hung.values()):
            state = self._states.get(flow.id)
            if state is not None:
                state.ended_by = "rules_replaced"
            self._finish(flow, error="timeout")
            if flow.killable:
                flow.resume()  # wakes the held flow; kill() alone would leave it waiting forever
                flow.kill()
        self.rules = ruleset
        # Delays, held and scheduled deliveries of the old rules end now (delivered at once), so nothing
        # the old rules hold reaches the merchant later, after the next scenario's merchant started.
        self._rules_changed.set()
        self._rules_changed = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less when the rules change meanwhile."""
        if seconds <= 0:
            return
        changed = self._rules_changed
        try:
            await asyncio.wait_for(changed.wait(), seconds)
        except TimeoutError:
            pass

    def _route_forward(self, flow: http.HTTPFlow) -> str | None:
        """Forward mode: the gateway's real host is answered by the local upstream; nothing else leaves."""
        host = flow.request.pretty_host
        forward_hosts = [h.strip() for h in ctx.options.paychaos_forward_hosts.split(",") if h.strip()]
        allowed = [h.strip() for h in ctx.options.paychaos_allow_hosts.split(",") if h.strip()]
        if host in forward_hosts:
            target = ctx.options.paychaos_forward_to or self.upstream_urls.get("primary")
            if not target:
                return "paychaos forward mode has no local gateway to answer api.stripe.com"
            scheme, _, rest = target.partition("://")
            hostport = rest.split("/", 1)[0]
            h, _, p = hostport.rpartition(":")
            flow.request.scheme, flow.request.host = scheme, h
            flow.request.port = int(p or (443 if scheme == "https" else 80))
            return None
        if is_loopback_host(host) or host in allowed:
            return None
        return (f"paychaos forward mode never sends traffic to the internet: '{host}' is not one of "
                f"{', '.join(forward_hosts)} nor loopback")

    def _respond_error(self, flow, state, status: int, type_: str, message: str, code: str) -> None:
        body = {"error": {"type": type_, "code": code, "message": message}}
        flow.response = http.Response.make(status, json.dumps(body), {"Content-Type": "application/json",
                                                                      "Stripe-Should-Retry": "false"})
        state.t_first_byte = time.time()

    def _finish(self, flow: http.HTTPFlow, *, error: str | None = None) -> None:
        state = self._states.pop(flow.id, None)
        self._hung.pop(flow.id, None)
        if state is None or state.journaled:
            return
        state.journaled = True
        if error and not state.error:
            state.error = error
        resp = flow.response if not state.killed and not state.hung else None
        status = resp.status_code if resp is not None else (502 if state.error == "refused" else None)
        summary = None
        if resp is not None:
            try:
                summary = self._summary(resp)
            except Exception as exc:  # noqa: BLE001 - an answer that cannot be read is journaled as such
                self.hook_failures += 1
                self._note_failure(f"summary:{type(exc).__name__}",
                                   f"reading an answer failed ({type(exc).__name__}: {_clip(str(exc))}); "
                                   "the exchange was journaled with error inspection_failed")
                state.error = state.error or "inspection_failed"
        record = {
            "id": state.journal_id, "seq": state.seq, "scenario": state.scenario, "upstream": state.upstream,
            # Masked here or where they were read (request_fields, webhook_event, response_summary):
            # the writer does not walk the record again.
            "direction": state.direction, "method": state.method, "path": mask_text(state.path),
            "query": mask_text(state.query), "idempotency_key": mask_text(state.idempotency_key or "") or None,
            "request": state.request, "event": state.event,
            "status": status, "upstream_status": state.upstream_status,
            "response": summary,
            "faults": state.faults(), "error": state.error,
            "t_start": state.t_start, "t_first_byte": state.t_first_byte if status is not None else None,
            "t_end": time.time(),
        }
        if state.replay_of:
            record["replay_of"] = state.replay_of
        if state.forged:
            record["forged"] = state.forged
        if state.ended_by:
            record["ended_by"] = state.ended_by
        try:
            line = json_line(record)
        except Exception as exc:  # noqa: BLE001 - a record that cannot be encoded: its plain fields
            self.hook_failures += 1
            self._note_failure(f"encode:{type(exc).__name__}",
                               f"encoding a journal record failed ({type(exc).__name__}: {_clip(str(exc))}); "
                               "it was journaled without its request and response fields")
            record.update(request={}, event=None, response=None, error="inspection_failed")
            line = json_line(record)
        if not self.journal.write_line(line):
            self._note_failure("journal", f"a journal write failed ({self.journal.last_failure}); "
                                          f"journal {self.journal.path} is incomplete")

    @staticmethod
    def _summary(resp: http.Response) -> dict:
        headers = header_values(resp.headers, RESPONSE_HEADERS)
        return response_summary(content_of(resp, headers), headers)

    def _copy_for_delivery(self, flow: http.HTTPFlow, state: ExchangeState, rule) -> http.HTTPFlow:
        copy = flow.copy()
        copy.response = None
        copy.error = None
        copy.metadata.pop("paychaos", None)
        journal_id, seq = self.journal.next_id()
        self._states[copy.id] = ExchangeState(
            journal_id=journal_id, seq=seq, scenario=state.scenario, upstream=state.upstream,
            direction=state.direction, method=state.method, path=state.path, query=state.query,
            idempotency_key=state.idempotency_key, request=state.request, event=state.event,
            t_start=time.time(), replay_of=state.journal_id,
            extra_faults=[{"fault": rule.fault, "rule": rule.id}])
        return copy

    async def _replay_later(self, copy: http.HTTPFlow, delay_s: float) -> None:
        await self.wait(delay_s)
        ctx.master.commands.call("replay.client", [copy])

    async def _release_after(self, copy: http.HTTPFlow, hold_s: float) -> None:
        await self.wait(hold_s)
        self._release(copy)

    def _release_held(self, *, after: str) -> None:
        for origin, copy in list(self._held):
            if origin != after:
                self._release(copy)

    def _release(self, copy: http.HTTPFlow) -> None:
        for item in list(self._held):
            if item[1] is copy:
                self._held.remove(item)
                ctx.master.commands.call("replay.client", [copy])

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _clip(text: str, limit: int = 200) -> str:
    """An exception's text for stderr: short, cards and secrets masked."""
    return mask_text(text if len(text) <= limit else text[:limit] + "...")


def load_scenario_rules(path: str, seed: int = 0) -> RuleSet:
    """The RuleSet of a scenario file's `faults:` (validated whole); an empty one without a file.
    A built-in scenario may be named as `paychaos list` prints it (`response-lost`)."""
    if not path:
        return RuleSet(seed=seed or 1)
    path = scenario_file(path)
    doc = load_yaml_file(path)  # bounded: no aliases, no duplicate keys, finite numbers (InputError)
    if not isinstance(doc, dict):
        raise InputError("a scenario must be a mapping", file=path, valid="name:, cause:, faults: [...]")
    rules = parse_rules(apply_phases(doc.get("faults"), doc.get("phases"), source=path), source=path)
    scenario_seed = doc.get("seed", 1) if isinstance(doc.get("seed", 1), int) else 1
    name = doc.get("name") if isinstance(doc.get("name"), str) else os.path.splitext(os.path.basename(path))[0]
    return RuleSet(rules, seed=seed or scenario_seed, scenario=name)


addons = [PaychaosAddon()]
