"""The services a load run drives: primary and backup gateways, one or more proxy processes (each
with its own journal) and one merchant instance behind each proxy.

Each gateway speaks its upstream's dialect (the target's `dialect:`: Stripe, Alipay, WeChat Pay), started
as `paychaos run` starts it (paychaos.runner.gateways): the merchant's `{alipay.*}` / `{wechatpay.*}`
come from the gateways' ready lines, and their notifications go through the first proxy's webhooks
listener (to the merchant behind that proxy).

The merchant is the target file's (`paychaos.target`): with a `start` section it is started here
once per proxy, with `{gateway_url}` pointing at that proxy; without one it must already be
running at `base_url` (then only one proxy makes sense, and the user points the merchant at it).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from paychaos.common import localtoken
from paychaos.common.errors import InputError
from paychaos.common.netsafety import check_upstream
from paychaos.common.ports import free_port
from paychaos.common.procs import Service, ServiceError, paychaos_argv, start_service
from paychaos.proxies.forward import app_env
from paychaos.runner.gateways import dialect_values, gateway_argv, hook_webhooks
from paychaos.runner.merchant import MerchantError, MerchantProcess
from paychaos.target import Target, render, render_strings, run_values

WEBHOOK_SECRET = "whsec_paychaos_load"


@dataclass
class Merchant:
    base_url: str
    process: MerchantProcess | None = None   # None: the user's own, already running

    def alive(self) -> bool:
        return self.process is None or self.process.alive()

    def exit_status(self) -> int | None:
        return None if self.process is None else self.process.exit_status()

    def describe_death(self) -> str:
        tail = self.process.tail_text() if self.process else ""
        return f"the merchant at {self.base_url} exited with status {self.exit_status()} mid-run{tail}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@dataclass
class Stack:
    gateways: dict[str, Service] = field(default_factory=dict)   # primary, backup
    proxies: list[Service] = field(default_factory=list)
    merchants: list[Merchant] = field(default_factory=list)

    @property
    def controls(self) -> list[str]:
        return [p.info["control"] for p in self.proxies]

    @property
    def control_tokens(self) -> dict[str, str]:
        """Each proxy's control URL -> the token its control API wants (its ready line's `token`)."""
        return {p.info["control"]: p.info.get("token") or "" for p in self.proxies}

    @property
    def journals(self) -> list[str]:
        return [p.info["journal"] for p in self.proxies]

    def dead_merchant(self) -> Merchant | None:
        return next((m for m in self.merchants if not m.alive()), None)

    def stop(self) -> None:
        _each([m.stop for m in self.merchants])
        _each([lambda s=s: s.stop(timeout=3.0) for s in [*self.proxies, *self.gateways.values()]])


def _each(calls: list) -> list:
    """Run calls side by side (services start and stop in seconds each); re-raise the first failure."""
    if not calls:
        return []
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(c) for c in calls]
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]
    return [f.result() for f in futures]


def start_stack(target: Target, workdir: Path, *, proxies: int = 1, allow_hosts: tuple[str, ...] = ()) -> Stack:
    """Start everything; on any failure stop what was started and raise InputError (exit 2)."""
    count = proxies if target.start else 1
    ports = [free_port() if target.start else None for _ in range(count)]
    urls = [render_strings(target.base_url, run_values(port=port, gateway_url="", backup_gateway_url="",
                                                       webhook_secret=""), file=target.path, where="base_url")
            for port in ports]
    for url in urls:
        check_upstream(url, allow_hosts, field=f"{target.path}: base_url")
    if not target.start:
        _check_reachable(target)   # before anything starts
    stack = Stack()
    try:
        primary, backup = _each([lambda n=n: start_service(f"gateway-{n}", gateway_argv(target, n))
                                 for n in ("primary", "backup")])
        stack.gateways = {"primary": primary, "backup": backup}
        stack.proxies = _each([lambda i=i: _start_proxy(stack, workdir, i, urls[i], forward=target.forward) for i in range(count)])
        hook_webhooks(target, stack.gateways, stack.proxies[0].info["listeners"].get("webhooks"), WEBHOOK_SECRET)
        if target.start:
            keys = dialect_values(target, stack.gateways)
            stack.merchants = _each([lambda i=i: _start_merchant(target, ports[i], stack.proxies[i], keys)
                                     for i in range(count)])
        else:
            stack.merchants = [Merchant(target.base_url)]
    except ServiceError as exc:
        stack.stop()
        raise InputError(f"could not start the load stack: {exc}") from None
    except BaseException:
        stack.stop()
        raise
    return stack


def _start_proxy(stack: Stack, workdir: Path, i: int, merchant_url: str, *, forward: bool = False) -> Service:
    return start_service(f"proxy-{i}", paychaos_argv(
        "proxy", "--port", "0", "--journal", str(workdir / f"journal-{i}.jsonl"),
        "--upstream", f"primary={stack.gateways['primary'].url}",
        "--upstream", f"backup={stack.gateways['backup'].url}",
        "--upstream", f"webhooks={merchant_url}", *(["--forward"] if forward else [])))


def _start_merchant(target: Target, port: int, proxy: Service, keys: dict[str, str | None]) -> Merchant:
    listeners = proxy.info["listeners"]
    values = run_values(port=port, gateway_url=listeners["primary"], backup_gateway_url=listeners.get("backup"),
                        webhook_secret=WEBHOOK_SECRET, proxy_url=proxy.info.get("forward"),
                        ca_cert=proxy.info.get("ca_cert"), dialect_values=keys)
    file = target.path
    argv = [render_strings(a, values, file=file, where=f"start.command[{i}]")
            for i, a in enumerate(target.start.command)]
    env = {k: render_strings(v, values, file=file, where=f"start.env.{k}") for k, v in target.start.env.items()}
    if target.start.forward:
        env = app_env(values["proxy_url"], values["ca_cert"], env)
    base_url = render_strings(target.base_url, values, file=file, where="base_url")
    ready_path = render(target.start.ready_path, values, file=file, where="start.ready.path")
    try:
        process = MerchantProcess(argv, env, base_url, ready_path=ready_path,
                                  ready_timeout_s=target.start.ready_timeout_s, cwd=target.start.cwd).start()
    except MerchantError as exc:
        raise InputError(str(exc), file=file, field="start") from None
    return Merchant(base_url, process)


def _check_reachable(target: Target) -> None:
    if not _answers(target.base_url + "/", want_2xx=False):
        raise InputError(f"nothing answers at {target.base_url}: start the merchant first, or give the "
                         "target a `start` section", file=target.path, field="base_url")


def _answers(url: str, *, want_2xx: bool) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return not want_2xx
    except OSError:
        return False


def get_json(url: str, timeout: float = 10.0, *, token: str | None = None) -> dict:
    """GET a JSON answer; `token`: the service's, for /_sim and /_paychaos (X-Paychaos-Token)."""
    req = urllib.request.Request(url, headers=localtoken.headers(token))
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())
