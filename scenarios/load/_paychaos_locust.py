"""The Locust side of `paychaos load`: customers that check out through the merchant, a shape
that walks a profile's phases and switches the proxy's faults at each boundary, and the recorder
that brings every checkout to one file on the master, exactly (raw records, not summaries).

Profiles import `CheckoutCustomer` and subclass `PhasedShape`. Run only by Locust, in its own
process (`paychaos load` starts it): never import this module anywhere else.

Configuration comes from `--paychaos-config JSON` (set by `paychaos load`); on the master it is
read at start, on workers from `test_start` on (Locust sends the master's options over).

With Locust's web UI (`paychaos load --web`) the start form's user count, ramp-up and run time are
the run's peak users, spawn rate and duration (the form is filled in with `--users` and
`--duration`); a "paychaos phases" tab shows each phase's window, users and faults and which one is
running. Each phase's checkouts are counted under their own request name, `checkout [PHASE]`
(workers learn the phase from the master's `paychaos_phase` message). The proxies'
control tokens come to the master in the environment (CONTROL_TOKENS_ENV, {control URL: token}),
not in that JSON: a command line is readable by every user of the machine.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request
import uuid

from faker import Faker
from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.runners import MasterRunner, WorkerRunner

from paychaos.load import checkout_request, flows, schedule
from paychaos.load.locust_procs import CONTROL_TOKENS_ENV

_pending: list[dict] = []          # a worker's checkouts not yet sent to the master
_pending_lock = threading.Lock()
_sink = None                       # the events file, on the master (or a lone local runner)
_sink_lock = threading.Lock()
_counts: dict[str, int] = {}       # checkouts received per worker (merge check)
_phase = {"name": None}            # the phase now running (on workers: as the master last said)
_shape = None                      # the PhasedShape walking the phases (master or lone runner)

CHECKOUT = "checkout"              # Locust's request name, + " [PHASE]" while a phase runs
PHASE_MESSAGE = "paychaos_phase"
PHASES_TAB = "paychaos-phases"


def request_name(phase: str | None) -> str:
    """What Locust's statistics call a checkout made during `phase`."""
    return f"{CHECKOUT} [{phase}]" if phase else CHECKOUT


@events.init_command_line_parser.add_listener
def _add_options(parser):
    parser.add_argument("--paychaos-config", default="{}", include_in_web_ui=False,
                        help="JSON written by `paychaos load`")


def config(environment) -> dict:
    return json.loads(getattr(environment.parsed_options, "paychaos_config", None) or "{}")


def _control_tokens() -> dict:
    try:
        tokens = json.loads(os.environ.get(CONTROL_TOKENS_ENV) or "{}")
    except ValueError:
        return {}
    return tokens if isinstance(tokens, dict) else {}


def _write(record: dict) -> None:
    if _sink is None:
        return
    with _sink_lock:
        _sink.write(json.dumps(record) + "\n")
        _sink.flush()


@events.init.add_listener
def _on_init(environment, **_kw):
    global _sink
    if environment.runner is not None:
        environment.runner.register_message(PHASE_MESSAGE, _on_phase_message)
    if isinstance(environment.runner, WorkerRunner):
        return
    path = config(environment).get("events_path")
    if path:
        _sink = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
    if environment.web_ui is not None:
        _extend_web_ui(environment.web_ui)


def _on_phase_message(environment=None, msg=None, **_kw):
    _phase["name"] = msg.data.get("name") if msg is not None and isinstance(msg.data, dict) else None


def _extend_web_ui(web_ui) -> None:
    """A "paychaos phases" tab in Locust's UI: every phase's window, users and faults, and which one is
    running with how many users there really are (Locust's own header shows the count too)."""
    from flask import request  # Locust's web UI is Flask; imported only when it runs

    web_ui.template_args["extended_tabs"] = [{"title": "paychaos phases", "key": PHASES_TAB}]
    web_ui.template_args["extended_tables"] = [{"key": PHASES_TAB, "structure": [
        {"key": "phase", "title": "Phase"}, {"key": "state", "title": "Now"}, {"key": "window", "title": "Window"},
        {"key": "users", "title": "Users"}, {"key": "faults", "title": "Faults"},
        {"key": "request_name", "title": "Request name"}]}]

    @web_ui.app.after_request
    def _phases_in_stats(response):
        if request.path.rstrip("/").endswith("/stats/requests") and response.is_json and _shape is not None:
            data = response.get_json()
            data["extended_stats"] = [*data.get("extended_stats", []), {"key": PHASES_TAB, "data": _shape.rows()}]
            data["paychaos"] = _shape.status()
            response.set_data(json.dumps(data))
        return response


@events.report_to_master.add_listener
def _report(client_id, data, **_kw):
    with _pending_lock:
        data["paychaos_checkouts"] = list(_pending)
        _pending.clear()


@events.worker_report.add_listener
def _on_worker_report(client_id, data, **_kw):
    batch = data.get("paychaos_checkouts") or []
    _counts[client_id] = _counts.get(client_id, 0) + len(batch)
    for record in batch:
        record["worker"] = client_id
        _write(record)


@events.quitting.add_listener
def _on_quitting(environment, **_kw):
    # The master's last worker reports arrive after test_stop: totals are read here.
    if isinstance(environment.runner, WorkerRunner):
        return
    if not isinstance(environment.runner, MasterRunner):
        # Ended mid-run (Ctrl-C with the web UI, SIGTERM): Locust stops the users only after this hook.
        # Stop them now, so the checkouts in flight finish (up to --stop-timeout) and are written.
        environment.runner.stop()
    _write({"type": "totals", "t": time.time(), "by_worker": dict(_counts),
            "distributed": isinstance(environment.runner, MasterRunner),
            "checkouts": sum(_counts.values())})
    if _sink is not None:
        _sink.close()


def _record(environment, record: dict) -> None:
    if isinstance(environment.runner, WorkerRunner):
        with _pending_lock:
            _pending.append(record)
    else:
        _counts["local"] = _counts.get("local", 0) + 1
        _write(record)


class CheckoutCustomer(FastHttpUser):
    """A faker customer who pays for one order after another through the merchant. A profile
    subclasses it (`class Customer(CheckoutCustomer)`) and may set `cards` (token -> share)."""

    abstract = True
    cards: dict = {"pm_card_visa": 1.0}
    wait_time = between(0.05, 0.25)
    network_timeout = 20.0
    connection_timeout = 5.0

    _spread = itertools.count()
    _numbers = itertools.count()

    def __init__(self, environment):
        # With several proxies there is one merchant behind each: spread the customers over them.
        urls = config(environment).get("base_urls") or []
        if urls:
            self.host = urls[next(CheckoutCustomer._spread) % len(urls)]
        super().__init__(environment)

    def on_start(self):
        cfg = config(self.environment)
        self.cfg = cfg
        # Each user's card and amount draws follow the run's --seed (which checkouts happen depends on time).
        worker = getattr(self.environment.runner, "worker_index", 0)   # each local worker its own draws
        self.rng = random.Random(f"{cfg.get('seed', 1)}-{worker}-{next(CheckoutCustomer._numbers)}")
        self.faker = Faker(cfg.get("locale", "en_US"))
        self.prefix = f"ld{cfg.get('run_id', 'x')}-{uuid.uuid4().hex[:8]}"
        self.counter = 0
        self.client.client.network_timeout = float(cfg.get("timeout_s", self.network_timeout))
        # The browser-era flows: after the merchant's answer the customer confirms, or pays the hosted page
        # (paychaos.load.flows, with the driver's own flow code); `server`: the answer is the outcome.
        self.flow = None
        if cfg.get("flow") in flows.PLAYED:
            self.flow = flows.FlowPlayer(cfg, self.host, float(cfg.get("timeout_s", self.network_timeout)))
        think = cfg.get("think_s")
        if think is not None:
            lo, hi = float(think[0]), float(think[1])
            self.wait_time = lambda: self.rng.uniform(lo, hi)

    def _values(self) -> dict:
        self.counter += 1
        cards = self.cfg.get("cards") or self.cards
        token = checkout_request.pick_card(cards, self.rng.random())
        return {
            "order.id": f"{self.prefix}-{self.counter}",
            "order.amount": self.rng.randrange(500, 20000),
            "order.currency": self.cfg.get("currency", "usd"),
            "payment.token": token,
            "customer.name": self.faker.name(),
            "customer.email": self.faker.email(),
            "customer.locale": self.cfg.get("locale", "en_US"),
            "customer.phone": self.faker.phone_number(),
            **checkout_request.card_values(token),
        }

    def _once(self):
        spec = self.cfg["checkout"]
        values = self._values()
        req = checkout_request.request(spec, values)
        record = {"type": "checkout", "order_id": values["order.id"], "t": time.time(), "merchant": self.host,
                  "payment": values["payment.token"], "amount": values["order.amount"],
                  "status": None, "raw_status": None, "http_status": None, "error": None, "message": None,
                  "alternatives": [], "merchant_order_id": None,
                  "flow": self.flow.target.flow if self.flow is not None else "server"}
        started = time.perf_counter()
        with self.client.request(req.method, req.path, data=req.body, headers=req.headers,
                                 name=request_name(_phase["name"]),
                                 catch_response=True, allow_redirects=False) as resp:
            record["elapsed_s"] = round(time.perf_counter() - started, 4)
            record["http_status"] = resp.status_code or None
            if not resp.status_code:
                record["error"] = type(resp.error).__name__ if resp.error else "no answer"
                resp.failure(f"no answer: {record['error']}")
            else:
                try:
                    answer = resp.json()
                except ValueError:
                    answer = None
                if self.flow is not None:   # what the customer ends up with after the browser's part
                    record.update(self.flow.play(values, resp.status_code, resp.headers, answer,
                                                 record["elapsed_s"]))
                else:
                    reading = checkout_request.outcome(spec, resp.status_code, resp.headers, answer)
                    record.update(status=reading.status, raw_status=reading.raw_status,
                                  alternatives=reading.alternatives, merchant_order_id=reading.order_id,
                                  message=reading.message[:200] if reading.message else None)
                if record["status"] in ("paid", "pending"):
                    resp.success()
                elif record["error"] is not None and record["status"] is None:
                    resp.failure(f"no answer: {record['error']}")
                else:
                    what = record["status"] if record["raw_status"] is not None else "unreadable"
                    resp.failure(f"checkout {what} (HTTP {record['http_status']})")
        _record(self.environment, record)

    @task
    def checkout(self):
        self._once()


def _rule_text(rule: dict) -> str:
    """`http_error on primary, 30%`: a fault rule in a few words."""
    text = str(rule.get("fault"))
    upstream = (rule.get("match") or {}).get("upstream")
    if upstream:
        text += f" on {upstream}"
    share = rule.get("probability")
    if share is not None and float(share) < 1:
        text += f", {float(share):.0%}"
    return text


class PhasedShape(LoadTestShape):
    """Walks `phases` (see paychaos.load.schedule) and switches the proxy's rules at each boundary."""

    abstract = True
    use_common_options = True    # the web UI's user count, ramp-up and run time are honoured (see _setup)
    phases: list[dict] = []      # {name, share, users, users_end?, rules}: see schedule.plan

    def _setup(self):
        global _shape
        cfg = config(self.runner.environment)
        self.cfg = cfg
        users, duration_s, spawn_rate = int(cfg.get("users", 10)), float(cfg.get("duration_s", 20)), None
        opts = self.runner.environment.parsed_options
        if cfg.get("web") and opts is not None:
            # What the start form says (filled in with --users and --duration): never silently overridden.
            users = int(getattr(opts, "num_users", None) or users)
            duration_s = float(getattr(opts, "run_time", None) or duration_s)
            spawn_rate = getattr(opts, "spawn_rate", None) or None
        self.plan = schedule.plan(self.phases, duration_s, users, spawn_rate=spawn_rate)
        self.current = None
        self.ended = False
        _shape = self
        _write({"type": "run", "t": time.time(), "profile": cfg.get("profile"),
                "phases": [p.to_dict() for p in self.plan], "users": users, "duration_s": duration_s,
                "spawn_rate": spawn_rate})

    def status(self) -> dict:
        """The phase running now and the users Locust really has (for the web UI)."""
        current = self.current.name if self.current is not None else None
        return {"phase": current, "ended": self.ended, "users": self.runner.user_count,
                "run_time_s": round(self.get_run_time(), 1)}

    def rows(self) -> list[dict]:
        now = self.get_run_time()
        out = []
        for p in self.plan:
            if p is self.current:
                state = f"running: {now - p.start_s:.0f}s in, {self.runner.user_count} users"
            else:
                state = "done" if (self.ended or now >= p.end_s) else "next"
            users = f"{p.users}" if p.users_end is None else f"{p.users} → {p.users_end}"
            faults = ", ".join(_rule_text(r) for r in p.rules) or "none"
            out.append({"phase": p.name, "state": state, "window": f"{p.start_s:g}-{p.end_s:g}s",
                        "users": users, "faults": faults, "request_name": request_name(p.name)})
        return out

    def _announce(self, name: str | None) -> None:
        _phase["name"] = name
        if isinstance(self.runner, MasterRunner):
            self.runner.send_message(PHASE_MESSAGE, {"name": name})

    def tick(self):
        if not hasattr(self, "plan"):
            self._setup()
        if self.ended:
            return None   # one walk through the phases per `paychaos load` (a second Start does nothing)
        t = self.get_run_time()
        phase = schedule.phase_at(self.plan, t)
        if phase is None:
            if self.current is not None:
                _write({"type": "end", "t": time.time()})
                self._switch([], "end")
                self.current = None
                self.ended = True
            return None
        if phase is not self.current:
            self.current = phase
            status = self._switch(phase.rules, phase.name)
            _write({"type": "phase", "t": time.time(), "name": phase.name, "rules": phase.rules,
                    "control": status})
            if any(a.get("status") != 200 for a in status):
                _write({"type": "end", "t": time.time(), "reason": "the proxy refused the phase's rules"})
                self.current, self.ended = None, True
                return None   # a phase whose faults are not in place would measure the wrong thing
            self._announce(phase.name)
        return phase.users_at(t), phase.spawn_rate

    def _switch(self, rules: list, name: str) -> list:
        """PUT the phase's rules to every proxy's control endpoint (with its token); returns what
        each answered."""
        answers = []
        tokens = _control_tokens()
        for url in self.cfg.get("controls", []):
            body = json.dumps({"rules": rules, "seed": self.cfg.get("seed", 1),
                               "scenario": f"load:{self.cfg.get('profile')}:{name}"}).encode()
            headers = {"Content-Type": "application/json"}
            if tokens.get(url):
                headers["X-Paychaos-Token"] = tokens[url]
            req = urllib.request.Request(f"{url}/rules", data=body, method="PUT", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    answers.append({"url": url, "status": resp.status})
            except urllib.error.HTTPError as exc:
                answers.append({"url": url, "status": exc.code, "error": exc.read(500).decode(errors="replace")})
            except OSError as exc:
                answers.append({"url": url, "status": None, "error": str(exc)})
        return answers
