"""The merchant integration under test, started from the target file's `start` section.

A user's merchant prints no ready line, so it is ready when `start.ready.path` answers 2xx (or, without
a ready path, when its port accepts connections). It runs in its own process group, in the target's
`start.cwd` when one is given; `stop()` ends the whole group. Its output is kept in a bounded tail, card numbers masked, for error messages.
"""

from __future__ import annotations

import collections
import os
import socket
import subprocess
import threading
import time
from urllib.parse import urlsplit

import requests

from paychaos.common.masking import mask_text
from paychaos.common.procs import start_process_group, stop_process_group

POLL_S = 0.1


class MerchantError(RuntimeError):
    """The merchant could not start, never got ready, or died; the message carries its last output."""


class MerchantProcess:
    def __init__(self, argv: list[str], env: dict[str, str], base_url: str, *,
                 ready_path: str | None, ready_timeout_s: float, cwd: str | None = None):
        self.argv = argv
        self.cwd = cwd  # the target's start.cwd (None: paychaos's own working directory)
        self.env = env
        self.base_url = base_url
        self.ready_path = ready_path
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=60)
        self._drainer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> MerchantProcess:
        """Start and wait until ready; MerchantError (with the output tail) otherwise."""
        try:
            self._lock.acquire()
            if self._stopped:
                raise MerchantError("the merchant was stopped before it started")
            self.proc = start_process_group(
                self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env}, text=True, bufsize=1,
                errors="replace", cwd=self.cwd)
        except OSError as exc:
            raise MerchantError(f"cannot start the merchant ({' '.join(self.argv)}): {exc.strerror or exc}") from None
        finally:
            self._lock.release()
        self._drainer = threading.Thread(target=self._drain, daemon=True, name="merchant-output")
        self._drainer.start()
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                self._wait_output()
                raise MerchantError(f"the merchant exited with status {self.proc.returncode} before it was ready"
                                    + self.tail_text())
            if self._ready():
                return self
            time.sleep(POLL_S)
        self.stop()
        what = f"GET {self.ready_path} never answered 2xx" if self.ready_path else "its port never opened"
        raise MerchantError(f"the merchant did not get ready within {self.ready_timeout_s:g}s ({what})"
                            + self.tail_text())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_status(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        """Stop the process group; safe from another thread, also while start() is waiting."""
        with self._lock:
            self._stopped = True
        if self.proc is not None:
            stop_process_group(self.proc, timeout=3.0)
            self._wait_output()

    def tail_text(self) -> str:
        lines = "".join(self._tail).rstrip()
        return f"; last output:\n{lines}" if lines else "; it printed nothing"

    def _ready(self) -> bool:
        if self.ready_path:
            try:
                return requests.get(self.base_url + self.ready_path, timeout=1.0).ok
            except requests.RequestException:
                return False
        parts = urlsplit(self.base_url)
        try:
            with socket.create_connection((parts.hostname, parts.port or 80), timeout=1.0):
                return True
        except OSError:
            return False

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self._tail.append(mask_text(line))

    def _wait_output(self, timeout: float = 1.0) -> None:
        """Let the drain thread read the last lines of a process that ended (EOF ends it)."""
        if self._drainer is not None:
            self._drainer.join(timeout)
