"""Start paychaos services as child processes and learn their real ports.

Contract: every long-running paychaos service (gateway, proxy, merchant) binds port 0 when asked,
then prints one line to stdout and flushes it:

    PAYCHAOS_READY {"service": "gateway", "url": "http://127.0.0.1:54321", ...}

`start_service` waits for that line, keeps draining the rest of the output into a bounded tail
(shown when something goes wrong), and `Service.stop()` ends the whole process group.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

READY_PREFIX = "PAYCHAOS_READY "

_live: set[Service] = set()
_live_lock = threading.Lock()


def announce_ready(service: str, **info) -> None:
    """Print the ready line (called by the services themselves)."""
    sys.stdout.write(READY_PREFIX + json.dumps({"service": service, **info}) + "\n")
    sys.stdout.flush()


class ServiceError(RuntimeError):
    def __init__(self, message: str, tail: str = ""):
        super().__init__(message + (f"\n--- last output ---\n{tail}" if tail else ""))
        self.tail = tail


@dataclass(eq=False)
class Service:
    name: str
    proc: subprocess.Popen
    info: dict = field(default_factory=dict)
    _tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=200))

    @property
    def url(self) -> str:
        return self.info["url"]

    def tail(self) -> str:
        return "".join(self._tail)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        stop_process_group(self.proc, timeout)
        with _live_lock:
            _live.discard(self)

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_process_group(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _drain(svc: Service, ready: threading.Event) -> None:
    assert svc.proc.stdout is not None
    for line in svc.proc.stdout:
        if not ready.is_set() and line.startswith(READY_PREFIX):
            try:
                svc.info.update(json.loads(line[len(READY_PREFIX):]))
            except ValueError:
                svc._tail.append(line)
                continue
            ready.set()
            continue
        svc._tail.append(line)
    ready.set()  # EOF: the process ended; start_service notices


def start_service(name: str, argv: list[str], *, env: dict | None = None, timeout: float = 20.0,
                  cwd: str | None = None) -> Service:
    """Start argv, wait for its ready line, return the Service. Raises ServiceError with the output tail."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env=full_env, cwd=cwd, text=True, bufsize=1, start_new_session=True,
    )
    svc = Service(name, proc)
    with _live_lock:
        _live.add(svc)
    ready = threading.Event()
    threading.Thread(target=_drain, args=(svc, ready), daemon=True, name=f"drain-{name}").start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            svc.stop()
            raise ServiceError(f"{name} did not get ready within {timeout:g}s", svc.tail())
    if "url" not in svc.info and "service" not in svc.info:
        time.sleep(0.1)
        svc.stop()
        raise ServiceError(f"{name} exited with status {proc.poll()} before it was ready", svc.tail())
    return svc


def paychaos_argv(*args: str) -> list[str]:
    """argv that runs the paychaos CLI with this very interpreter."""
    return [sys.executable, "-m", "simulator.cli", *args]


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        services = list(_live)
    for svc in services:
        svc.stop(timeout=2.0)
