"""The services a load run drives: primary and backup gateways, one or more proxy processes (each
with its own journal) and one merchant instance behind each proxy.

The merchant is the target file's (`simulator.target`): with a `start` section it is started here
once per proxy, with `{gateway_url}` pointing at that proxy; without one it must already be
running at `base_url` (then only one proxy makes sense, and the user points the merchant at it).
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from simulator.common.errors import InputError
from simulator.common.netsafety import free_port
from simulator.common.procs import Service, ServiceError, paychaos_argv, start_service, stop_process_group
from simulator.target import Target, render, render_strings, run_values

WEBHOOK_SECRET = "whsec_paychaos_load"


@dataclass
class Merchant:
    base_url: str
    proc: subprocess.Popen | None = None   # None: the user's own, already running
    log_path: str | None = None

    def alive(self) -> bool:
        return self.proc is None or self.proc.poll() is None

    def exit_status(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_group(self.proc, timeout=3.0)


@dataclass
class Stack:
    gateways: dict[str, Service] = field(default_factory=dict)   # primary, backup
    proxies: list[Service] = field(default_factory=list)
    merchants: list[Merchant] = field(default_factory=list)

    @property
    def controls(self) -> list[str]:
        return [p.info["control"] for p in self.proxies]

    @property
    def journals(self) -> list[str]:
        return [p.info["journal"] for p in self.proxies]

    def dead_merchant(self) -> Merchant | None:
        return next((m for m in self.merchants if not m.alive()), None)

    def stop(self) -> None:
        for m in self.merchants:
            m.stop()
        for svc in [*self.proxies, *self.gateways.values()]:
            svc.stop(timeout=3.0)


def start_stack(target: Target, workdir: Path, *, proxies: int = 1) -> Stack:
    """Start everything; on any failure stop what was started and raise InputError (exit 2)."""
    if not target.start:
        _check_reachable(target)   # before anything starts
    stack = Stack()
    try:
        for name in ("primary", "backup"):
            stack.gateways[name] = start_service(f"gateway-{name}", paychaos_argv("gateway", "--port", "0"))
        for i in range(proxies if target.start else 1):
            port = free_port() if target.start else None
            merchant_url = (render(target.base_url, {"port": port}) if target.start else target.base_url)
            argv = paychaos_argv(
                "proxy", "--port", "0", "--journal", str(workdir / f"journal-{i}.jsonl"),
                "--upstream", f"primary={stack.gateways['primary'].url}",
                "--upstream", f"backup={stack.gateways['backup'].url}",
                "--upstream", f"webhooks={merchant_url}")
            proxy = start_service(f"proxy-{i}", argv)
            stack.proxies.append(proxy)
            if i == 0 and target.webhook_path:
                hook = proxy.info["listeners"]["webhooks"].rstrip("/") + target.webhook_path
                for gw in stack.gateways.values():
                    _post_json(gw.url + "/_sim/webhooks", {"url": hook, "secret": WEBHOOK_SECRET})
            if target.start:
                stack.merchants.append(_start_merchant(target, port, proxy, workdir / f"merchant-{i}.log"))
            else:
                stack.merchants.append(Merchant(target.base_url))
    except ServiceError as exc:
        stack.stop()
        raise InputError(f"could not start the load stack: {exc}") from None
    except BaseException:
        stack.stop()
        raise
    return stack


def _start_merchant(target: Target, port: int, proxy: Service, log_path: Path) -> Merchant:
    listeners = proxy.info["listeners"]
    values = run_values(port=port, gateway_url=listeners["primary"], backup_gateway_url=listeners.get("backup"),
                        webhook_secret=WEBHOOK_SECRET, proxy_url=proxy.info.get("forward"),
                        ca_cert=proxy.info.get("ca_cert"))
    argv = [render_strings(a, values, file=target.path, where=f"start.command[{i}]")
            for i, a in enumerate(target.start.command)]
    env = dict(os.environ)
    env.update({k: render_strings(v, values, file=target.path, where=f"start.env.{k}")
                for k, v in target.start.env.items()})
    base_url = render(target.base_url, values)
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - the child writes it for the whole run
    try:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    except OSError as exc:
        raise InputError(f"cannot start the merchant: {exc}", file=target.path, field="start.command") from None
    finally:
        log.close()
    merchant = Merchant(base_url, proc, str(log_path))
    deadline = time.monotonic() + target.start.ready_timeout_s
    probe = base_url + (target.start.ready_path or "/")
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if _answers(probe, want_2xx=bool(target.start.ready_path)):
            return merchant
        time.sleep(0.1)
    merchant.stop()
    tail = Path(log_path).read_text(encoding="utf-8", errors="replace")[-1500:]
    why = (f"exited with status {proc.returncode}" if proc.poll() is not None
           else f"did not answer {probe} within {target.start.ready_timeout_s:g}s")
    raise InputError(f"the merchant {why}\n--- merchant output ---\n{tail}", file=target.path, field="start")


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


def _post_json(url: str, body: dict) -> None:
    import json
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5):
        pass


def get_json(url: str, timeout: float = 10.0) -> dict:
    import json
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())
