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
import time

from mitmproxy import ctx, exceptions, http
from mitmproxy.proxy.mode_specs import ProxyMode, RegularMode, ReverseMode

from proxies import control
from proxies.exchange import (
    REQUEST_HEADERS,
    RESPONSE_HEADERS,
    ExchangeState,
    FlowExchange,
    content_of,
    header_values,
    new_state,
)
from proxies.journal import JournalWriter, response_summary, webhook_event
from proxies.rules import Candidate, RuleSet, apply_phases, parse_rules
from proxies.trickle import HEADER as TRICKLE_HEADER
from proxies.trickle import Job, TrickleServer
from simulator.common.errors import InputError
from simulator.common.masking import mask_text
from simulator.common.netsafety import carries_live_key_in, is_loopback_host
from simulator.common.procs import announce_ready
from simulator.common.strict_yaml import load_yaml_file

DEFAULT_NAMES = "primary,backup,webhooks"
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
        self._refusing: socket.socket | None = None
        self._trickle: TrickleServer | None = None

    # ------------------------------------------------------------- options
    def load(self, loader) -> None:
        loader.add_option("paychaos_scenario", str, "", "Scenario YAML whose `faults:` the proxy applies.")
        loader.add_option("paychaos_journal", str, "", "Journal file (JSON Lines); empty: no journal.")
        loader.add_option("paychaos_seed", int, 0, "Seed for the rules' dice (0: the scenario's, else 1).")
        loader.add_option("paychaos_names", str, DEFAULT_NAMES,
                          "Upstream names for the reverse modes, in the order of --mode.")
        loader.add_option("paychaos_allow_hosts", str, "", "Comma-separated non-loopback hosts allowed upstream.")
        loader.add_option("paychaos_forward_hosts", str, "api.stripe.com",
                          "Forward mode: hosts answered by the primary upstream (never the internet).")
        loader.add_option("paychaos_forward_to", str, "", "Forward mode: base URL for those hosts "
                          "(default: the primary reverse upstream).")
        loader.add_option("paychaos_announce", bool, False, "Print the PAYCHAOS_READY line once listening.")

    def configure(self, updated) -> None:
        if "mode" in updated or "paychaos_names" in updated or "paychaos_allow_hosts" in updated:
            self._map_modes()
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

    async def running(self) -> None:
        self._refusing = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._refusing.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        self._trickle = TrickleServer()
        await self._trickle.start()
        # Everything alive now (mitmproxy, cryptography, ...) lives as long as the proxy: keep it out of
        # the cyclic collector, whose full passes over it stalled held flows by tens of ms at p99.
        gc.freeze()
        if ctx.options.paychaos_announce:
            announce_ready("proxy", **self.listeners())

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
        if flow.request.path.startswith(control.PREFIX):
            status, body = control.handle(flow.request.method, flow.request.path,
                                          flow.request.get_content(strict=False) or b"", self.rules,
                                          self._install)
            flow.response = http.Response.make(status, json.dumps(body), {"Content-Type": "application/json"})
            return
        if flow.id in self._states:  # a webhook re-delivery made by a fault: no rules apply
            self._states[flow.id].t_start = time.time()
            return
        upstream = self.names.get(flow.client_conn.proxy_mode.full_spec, "primary")
        forward_refusal = None
        if isinstance(flow.client_conn.proxy_mode, RegularMode):
            forward_refusal = self._route_forward(flow)
        journal_id, seq = self.journal.next_id()
        headers = header_values(flow.request.headers, REQUEST_HEADERS)
        body = content_of(flow.request, headers)
        event = webhook_event(body) if upstream == "webhooks" else None
        state = new_state(flow, headers=headers, body=body, journal_id=journal_id, seq=seq,
                          scenario=self.rules.scenario, upstream=upstream, event=event)
        self._states[flow.id] = state
        flow.metadata["paychaos"] = {"journal_id": journal_id}
        if carries_live_key_in(state.path + "?" + state.query, headers.get("authorization", ""), body):
            state.error = "live_key"
            self._respond_error(flow, state, 403, "invalid_request_error", LIVE_KEY_MESSAGE, "live_key_refused")
            return
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
        if flow.server_conn.timestamp_start is not None and state.upstream_status is None:
            state.upstream_status = flow.response.status_code
        for firing in state.firings:
            await firing.fault.on_response(FlowExchange(flow, state, self, firing))
            if state.killed:
                break
        self._finish(flow)
        if state.upstream == "webhooks" and state.replay_of is None:
            self._release_held(after=flow.id)

    def error(self, flow: http.HTTPFlow) -> None:
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
                       signature: str | None, *, mode: str, delay_s: float) -> None:
        """A made-up delivery to the merchant, journaled as its own exchange (`forged`, `replay_of`)."""
        copy = self._copy_for_delivery(flow, state, rule)
        req = copy.request
        req.headers.pop("content-encoding", None)
        req.content = body
        if signature is None:
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
        record = {
            "id": state.journal_id, "seq": state.seq, "scenario": state.scenario, "upstream": state.upstream,
            # Masked here or where they were read (request_fields, webhook_event, response_summary):
            # the writer does not walk the record again.
            "direction": state.direction, "method": state.method, "path": mask_text(state.path),
            "query": mask_text(state.query), "idempotency_key": mask_text(state.idempotency_key or "") or None,
            "request": state.request, "event": state.event,
            "status": status, "upstream_status": state.upstream_status,
            "response": self._summary(resp) if resp is not None else None,
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
        self.journal.write(record)

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
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        ctx.master.commands.call("replay.client", [copy])

    async def _release_after(self, copy: http.HTTPFlow, hold_s: float) -> None:
        await asyncio.sleep(hold_s)
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


def load_scenario_rules(path: str, seed: int = 0) -> RuleSet:
    """The RuleSet of a scenario file's `faults:` (validated whole); an empty one without a file."""
    if not path:
        return RuleSet(seed=seed or 1)
    doc = load_yaml_file(path)  # bounded: no aliases, no duplicate keys, finite numbers (InputError)
    if not isinstance(doc, dict):
        raise InputError("a scenario must be a mapping", file=path, valid="name:, cause:, faults: [...]")
    rules = parse_rules(apply_phases(doc.get("faults"), doc.get("phases"), source=path), source=path)
    scenario_seed = doc.get("seed", 1) if isinstance(doc.get("seed", 1), int) else 1
    name = doc.get("name") if isinstance(doc.get("name"), str) else os.path.splitext(os.path.basename(path))[0]
    return RuleSet(rules, seed=seed or scenario_seed, scenario=name)


addons = [PaychaosAddon()]
