"""One worker's services: a primary and a backup gateway, one proxy in front of both (and of the
merchant's webhook endpoint), and the merchant under test. `Session.run(scenario)` runs one scenario
from a clean slate and returns its four observations.

    with Session(target) as session:
        obs = session.run(scenario)

Teardown always ends every process this session started (also on Ctrl-C, via the context manager).

A long run must not lose every scenario after one mishap of the machine's: when one of the session's
own services (a gateway, the proxy) has stopped, or another process took the merchant's port between two
restarts, the session starts its services again (a new port) before the scenario, at most
`MAX_RESTARTS` times, and the scenario's notes say so. A merchant that fails on its own is not retried.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import requests

import paychaos.scoring.orders as orders
from paychaos.common import dialects, localtoken
from paychaos.common.masking import mask_text
from paychaos.common.netsafety import check_upstream
from paychaos.common.ports import free_port
from paychaos.common.procs import (
    Service,
    ServiceError,
    make_temp_dir,
    paychaos_argv,
    remove_temp_dir,
    start_service,
)
from paychaos.common.stripe_hosts import FORWARD_HOSTS
from paychaos.driver import BrowserError, Driver, new_run_tag, plan_customers
from paychaos.observations import CheckoutResult, Observations
from paychaos.proxies.forward import app_env
from paychaos.runner.gateways import dialect_values, gateway_argv, hook_webhooks, post
from paychaos.runner.merchant import MerchantError, MerchantProcess
from paychaos.scenario.model import Scenario
from paychaos.target import Target, render, render_strings, run_values

SERVICE_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 10.0
JOURNAL_GRACE_S = 0.5           # between reads of a journal short of the gateway's API count
JOURNAL_CATCH_UP_S = 10.0       # at most, in all (only when short)
QUIET_BEFORE_READING_S = 1.5   # at most, per scenario: a merchant may keep calling in the background
QUIESCE_TIMEOUT_S = 5.0
MAX_RESTARTS = 3                # a session's services started again at most this often (then: errors)

EventSink = Callable[..., None]


class SessionError(RuntimeError):
    """The session's own services (gateways, proxy) could not start."""


class Session:
    def __init__(self, target: Target, *, on_event: EventSink | None = None, worker: int = 0,
                 allow_hosts: tuple[str, ...] = ()):
        self.target = target
        self.on_event = on_event
        self.worker = worker
        self.allow_hosts = allow_hosts
        self.run_tag = new_run_tag()
        self.webhook_secret = "whsec_" + secrets.token_hex(16)
        self.workdir: Path | None = None
        self.primary: Service | None = None
        self.backup: Service | None = None
        self.proxy: Service | None = None
        self.merchant: MerchantProcess | None = None
        self.values: dict = {}
        self.base_url = ""
        self._closed = False
        self._journal_failures = 0    # the proxy's count so far (it counts for the whole session)
        self._restarts: list[str] = []  # why the services were started again, in order
        self._lock = threading.Lock()  # close() may come from another thread (Ctrl-C with workers)

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Session:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self.workdir = Path(make_temp_dir(f"paychaos-w{self.worker}-"))  # the reaper removes it after a kill -9
        port = free_port() if self.target.start else None
        self.base_url = render_strings(self.target.base_url, run_values(
            port=port, gateway_url="", backup_gateway_url="", webhook_secret=""),
            file=self.target.path, where="base_url")
        check_upstream(self.base_url, self.allow_hosts, field=f"{self.target.path}: base_url")
        try:
            with ThreadPoolExecutor(2, thread_name_prefix="gateway-start") as pool:
                starting = {name: pool.submit(start_service, f"gateway-{name}", gateway_argv(self.target, name),
                                              timeout=SERVICE_TIMEOUT_S)
                            for name in dialects.UPSTREAMS}
                # Keep whichever started, so close() stops it even when the other failed.
                self.primary = self._adopt(_result_or_none(starting["primary"]))
                self.backup = self._adopt(_result_or_none(starting["backup"]))
                for future in starting.values():
                    future.result()
            self.proxy = self._adopt(start_service("proxy", self._proxy_argv(), timeout=SERVICE_TIMEOUT_S))
        except ServiceError as exc:
            raise SessionError(str(exc)) from None
        listeners = self.proxy.info.get("listeners") or {"primary": self.proxy.url}
        self.values = run_values(
            port=port, gateway_url=listeners["primary"], backup_gateway_url=listeners.get("backup"),
            webhook_secret=self.webhook_secret, proxy_url=self.proxy.info.get("forward"),
            ca_cert=self.proxy.info.get("ca_cert"), dialect_values=dialect_values(
                self.target, {"primary": self.primary, "backup": self.backup}))
        hook_webhooks(self.target, {"primary": self.primary, "backup": self.backup}, listeners.get("webhooks"),
                      self.webhook_secret)

    def routes(self) -> dict[str, str]:
        """Each gateway's own address -> the proxy listener in front of it: the customer's browser opens
        the gateway's pages (hosted checkout, 3-D Secure) through the proxy (paychaos.driver.browser)."""
        listeners = (self.proxy.info.get("listeners") if self.proxy else None) or {}
        pairs = ((self.primary, listeners.get("primary")), (self.backup, listeners.get("backup")))
        return {gateway.url: via for gateway, via in pairs if gateway is not None and via}

    def gateway_dialects(self) -> dict[str, str]:
        """Each gateway's own address -> the API it speaks (the driver's QR flow: docs/flows/qr.md)."""
        pairs = (("primary", self.primary), ("backup", self.backup))
        return {gateway.url: self.target.dialect_of.get(upstream, "stripe") for upstream, gateway in pairs
                if gateway is not None}

    def sim_call(self, gateway_origin: str, path: str) -> dict:
        """A /_sim control call (a Checkout Session's time running out, a wallet settling) to the gateway
        whose own address has this origin (a Stripe host in forward mode: the primary, which the proxy
        answers them from); the driver asks for it (it holds no token)."""
        if self.target.forward and urlsplit(gateway_origin).hostname in FORWARD_HOSTS and self.primary:
            return post(self.primary, path, {})
        for gateway in (self.primary, self.backup):
            if gateway is not None and _origin(gateway.url) == _origin(gateway_origin):
                return post(gateway, path, {})
        raise LookupError(f"no gateway of this run has the address {gateway_origin}")

    def _adopt(self, service: Service | None) -> Service | None:
        """Keep a service that just started, unless the session was closed meanwhile."""
        with self._lock:
            if not self._closed:
                return service
        if service is not None:
            service.stop()
        raise SessionError("the session was closed while it started")

    def _proxy_argv(self) -> list[str]:
        argv = ["proxy", "--port", "0", "--journal", str(self.workdir / "journal.jsonl"),
                "--upstream", f"primary={self.primary.url}", "--upstream", f"backup={self.backup.url}",
                "--upstream", f"webhooks={self.base_url}"]
        if self.target.forward:
            argv += ["--forward", "--confdir", str(self.workdir / "mitmproxy")]
        return paychaos_argv(*argv)

    def close(self) -> None:
        """Stop every process of this session; safe to call twice and from another thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop_everything()

    def _stop_everything(self) -> None:
        stops = [self._stop_merchant, *(s.stop for s in (self.proxy, self.backup, self.primary) if s)]
        with ThreadPoolExecutor(len(stops), thread_name_prefix="session-stop") as pool:
            for future in [pool.submit(stop) for stop in stops]:
                try:
                    future.result()
                except Exception:  # noqa: BLE001 - keep stopping the others
                    pass
        if self.workdir:
            remove_temp_dir(str(self.workdir))
            self.workdir = None

    def _restart(self, why: str) -> str:
        """Stop every process and start the services again (a new workdir, port and keys); the note for
        the scenario that runs next. SessionError when the session was closed or restarted too often."""
        with self._lock:
            if self._closed:
                raise SessionError("the session was closed")
        if len(self._restarts) >= MAX_RESTARTS:
            raise SessionError(f"{why}; paychaos already started its services again {MAX_RESTARTS} times "
                               f"in this run ({'; '.join(self._restarts)})")
        self._restarts.append(why)
        self._stop_everything()
        self.primary = self.backup = self.proxy = None
        self._journal_failures = 0
        self.start()
        return f"paychaos started its services again before this scenario: {why}"

    def _dead_services(self) -> str | None:
        """Which of this session's own services stopped, with the last lines each printed."""
        if None in (self.primary, self.backup, self.proxy):
            return "the services did not all start again"
        dead = [s for s in (self.primary, self.backup, self.proxy) if not s.alive()]
        if not dead:
            return None
        return "; ".join(f"{s.name} had stopped (exit status {s.proc.poll()})"
                         + (f", last output: {mask_text(s.tail().strip()[-300:])}" if s.tail().strip() else "")
                         for s in dead)

    def _merchant_port_taken(self) -> bool:
        """Whether another process holds the port the merchant is started on (ours is stopped)."""
        port = self.values.get("port")
        if not port or (self.merchant is not None and self.merchant.alive()):
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # our own closed connections do not count
            try:
                s.bind(("127.0.0.1", int(port)))
            except OSError:
                return True
        return False

    # -- one scenario ----------------------------------------------------------------------------

    def run(self, scenario: Scenario) -> Observations:
        """Run one scenario. When captured money cannot be tied to orders and customers checked out at
        once, run it again one customer at a time, so money can be tied by time (docs/scoring.md)."""
        self._emit("scenario_started", scenario)
        obs = self._observe(scenario)
        if not obs.errors and scenario.customers.concurrency > 1 and orders.build(obs).stray_charges:
            serial = replace(scenario, customers=replace(scenario.customers, concurrency=1))
            untied = len(orders.build(obs).stray_charges)
            obs = self._observe(serial)
            obs.notes.append(f"{untied} captured charge(s) could not be tied to orders with "
                             f"{scenario.customers.concurrency} customers at once: run again one customer "
                             "at a time, tying money by time")
        self._emit("scenario_finished", obs)
        return obs

    def _observe(self, scenario: Scenario) -> Observations:
        obs = Observations(scenario=scenario, checkouts=[], journal=[], ledger={}, backup_ledger=None,
                           orders={}, started_at=time.time(), shop=self.target.shop)
        try:
            dead = self._dead_services()
            if dead:
                obs.notes.append(self._restart(dead))
            self._run(scenario, obs)
        except SessionError as exc:   # the services could not be started again: every scenario says why
            obs.errors.append(str(exc))
        except MerchantError as exc:
            obs.errors.append(str(exc))
        except BrowserError as exc:   # flow browser: Chromium could not start or died (not the merchant's doing)
            obs.errors.append(f"the browser failed: {exc}")
        except requests.RequestException as exc:
            obs.errors.append(f"a paychaos service stopped answering: {exc}" + self._service_tails())
        obs.ended_at = time.time()
        return obs

    def _run(self, scenario: Scenario, obs: Observations) -> None:
        # The previous scenario's merchant stops first: a background job of its own (a reconciler) would
        # otherwise call the gateways after their reset, counted in this scenario but journaled in the last.
        self._stop_merchant()
        self._put_rules(None)
        # Nothing of the previous scenario may reach the restarted merchant (its order ids may start
        # over, as a fresh shop's do): the proxy delivers what the old rules held (clearing them ends
        # every hold) and the gateways drop their pending webhook retries, before the merchant restarts.
        self._quiesce()
        for gateway in (self.primary, self.backup):
            post(gateway, "/_sim/reset", {})
        try:
            self.restart_merchant()
        except MerchantError:
            if not self._merchant_port_taken():
                raise   # the merchant's own failure: reported as it is
            port = self.values["port"]
            obs.notes.append(self._restart(f"another process took the merchant's port {port}"))
            self.restart_merchant()
        self._put_rules(scenario)
        driver = Driver(self.target, self.base_url, self.values,
                        on_result=lambda r: self._checkout_done(scenario, r), routes=self.routes(),
                        sim=self.sim_call, gateway_dialects=self.gateway_dialects())
        obs.checkouts = driver.drive(scenario, plan_customers(scenario, self.run_tag,
                                                                 self.target.shop.languages))
        if scenario.settle_s:
            time.sleep(scenario.settle_s)  # the scenario's own settle time: webhooks, reconciliation
        merchant = self.merchant
        if merchant and not merchant.alive():
            obs.errors.append(f"the merchant exited with status {merchant.exit_status()} during the "
                              f"scenario{merchant.tail_text()}")
        elif self.target.order_status:
            for order_id in dict.fromkeys(c.order_id for c in obs.checkouts):
                obs.orders[order_id] = driver.order_status(order_id)
        # No more faults: ends exchanges a `hang` still holds, so the journal below is complete. The
        # scenario's name stays on the proxy's rules, so what the merchant still sends (a reconciler, a
        # late retry) is journaled in this scenario, as the gateways count it here.
        self._put_rules(scenario, faults=False)
        self._quiesce(QUIET_BEFORE_READING_S)  # exchanges still going end and are journaled (bounded)
        obs.ledger = _get(self.primary, "/_sim/ledger")
        obs.backup_ledger = _get(self.backup, "/_sim/ledger")
        obs.journal = self._journal(scenario.name)
        # An exchange the gateway answered may still be being journaled (a busy machine, a held exchange
        # ended just now): read again until the journal catches up, within a bound. Still short after
        # that, the scenario is inconclusive (scoring/inconclusive.py), never scored on half the evidence.
        deadline = time.monotonic() + JOURNAL_CATCH_UP_S
        while _api_calls(obs) > _reached_gateway(obs.journal) and time.monotonic() < deadline:
            time.sleep(JOURNAL_GRACE_S)
            obs.journal = self._journal(scenario.name)
        obs.proxy_health = self._proxy_health()
        failures = (obs.proxy_health or {}).get("journal_failures") or 0
        if failures > self._journal_failures:
            obs.errors.append(f"the proxy could not journal {failures - self._journal_failures} exchange(s) "
                              "(disk full or unwritable): the evidence is incomplete, so the scenario is not scored")
        self._journal_failures = failures

    def restart_merchant(self) -> None:
        self._stop_merchant()
        start = self.target.start
        if start is None:
            return
        file = self.target.path
        argv = [render_strings(arg, self.values, file=file, where=f"start.command[{i}]")
                for i, arg in enumerate(start.command)]
        env = {name: render_strings(value, self.values, file=file, where=f"start.env.{name}")
               for name, value in start.env.items()}
        if start.forward:  # HTTPS_PROXY, the CA for every common stack, the shims (docs/proxy.md)
            env = app_env(self.values["proxy_url"], self.values["ca_cert"], env)
        ready_path = render(start.ready_path, self.values, file=file, where="start.ready.path")
        merchant = MerchantProcess(argv, env, self.base_url, ready_path=ready_path,
                                   ready_timeout_s=start.ready_timeout_s, cwd=start.cwd)
        with self._lock:
            if self._closed:
                raise MerchantError("the session was closed before the merchant started")
            self.merchant = merchant
        merchant.start()

    def _stop_merchant(self) -> None:
        with self._lock:
            merchant, self.merchant = self.merchant, None
        if merchant is not None:
            merchant.stop()

    def _put_rules(self, scenario: Scenario | None, *, faults: bool = True) -> None:
        url = _rules_url(self.proxy.info)
        auth = _auth(self.proxy)
        if scenario is None:
            requests.delete(url, headers=auth, timeout=HTTP_TIMEOUT_S).raise_for_status()
            return
        body = {"rules": scenario.fault_specs if faults else [], "seed": scenario.seed, "scenario": scenario.name}
        resp = requests.put(url, json=body, headers=auth, timeout=HTTP_TIMEOUT_S)
        if resp.status_code != 200:
            raise requests.HTTPError(f"the proxy refused the rules of {scenario.name}: "
                                     f"{resp.status_code} {resp.text[:500]}")

    def _journal(self, scenario: str) -> list[dict]:
        from paychaos.proxies.journal import read_journal

        path = self.proxy.info.get("journal") or str(self.workdir / "journal.jsonl")
        if not Path(path).exists():
            return []
        return list(read_journal(path, scenario=scenario))

    def _quiesce(self, timeout_s: float = QUIESCE_TIMEOUT_S) -> None:
        """Wait until the proxy has no exchange in flight (bounded: a merchant may keep calling)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            health = self._proxy_health()
            if not health or not health.get("in_flight"):
                return
            time.sleep(0.05)

    def _proxy_health(self) -> dict | None:
        """The proxy's journal counters (`GET /_paychaos/health`), or None when it does not say."""
        url = _rules_url(self.proxy.info).rsplit("/", 1)[0] + "/health"
        try:
            resp = requests.get(url, headers=_auth(self.proxy), timeout=HTTP_TIMEOUT_S)
            return resp.json() if resp.ok else None
        except (requests.RequestException, ValueError):
            return None

    def _checkout_done(self, scenario: Scenario, result: CheckoutResult) -> None:
        self._emit("checkout_done", scenario, result)

    def _emit(self, kind: str, *payload) -> None:
        if self.on_event:
            self.on_event(kind, *payload)

    def _service_tails(self) -> str:
        parts = [f"\n--- {s.name} ---\n{s.tail()[-2000:]}" for s in (self.proxy, self.primary, self.backup)
                 if s is not None and not s.alive()]
        return "".join(parts)


def _api_calls(obs: Observations) -> int:
    """Calls the gateways answered outside /_sim (their own count)."""
    return sum(((led or {}).get("requests") or {}).get("api") or 0 for led in (obs.ledger, obs.backup_ledger))


def _reached_gateway(journal: list[dict]) -> int:
    return sum(1 for r in journal if r.get("direction", "to_gateway") == "to_gateway"
               and r.get("upstream_status") is not None)


def _result_or_none(future: Future):
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - the caller re-raises it
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _rules_url(info: dict) -> str:
    control = (info.get("control") or info["url"]).rstrip("/")
    return control + ("/rules" if control.endswith("/_paychaos") else "/_paychaos/rules")


def _auth(service: Service) -> dict[str, str]:
    """The header with the service's token (its ready line's `token`): /_sim and /_paychaos want it."""
    return localtoken.headers(service.info.get("token"))




def _get(gateway: Service, path: str) -> dict:
    resp = requests.get(gateway.url + path, headers=_auth(gateway), timeout=HTTP_TIMEOUT_S)
    resp.raise_for_status()
    return resp.json()
