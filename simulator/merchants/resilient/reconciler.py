"""A background thread that keeps re-checking orders whose outcome is not settled yet (an unknown
charge, a possible orphan on a gateway, a refund that could not be made) until the job says it is
done, with growing pauses, and gives up after a while."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("paychaos.merchant.reconciler")

# job(order_id, gateway names to check, seconds since the order was last touched) -> done?
Job = Callable[[str, set[str], float], bool]


@dataclass
class _Task:
    gateways: set[str] = field(default_factory=set)
    touched: float = field(default_factory=time.monotonic)
    due: float = 0.0
    delay_s: float = 0.3


class Reconciler:
    def __init__(self, job: Job, *, first_delay_s: float = 0.3, max_delay_s: float = 3.0,
                 give_up_s: float = 180.0):
        self._job = job
        self.first_delay_s, self.max_delay_s, self.give_up_s = first_delay_s, max_delay_s, give_up_s
        self._tasks: dict[str, _Task] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="merchant-reconciler")
        self._thread.start()

    def watch(self, order_id: str, gateways: set[str] | list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            task = self._tasks.setdefault(order_id, _Task())
            task.gateways |= set(gateways)
            task.touched, task.delay_s = now, self.first_delay_s
            task.due = now + self.first_delay_s
        self._wake.set()

    def pending(self) -> list[str]:
        with self._lock:
            return list(self._tasks)

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(0.25)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                due = [(oid, t) for oid, t in self._tasks.items() if t.due <= now]
            for order_id, task in due:
                try:
                    done = self._job(order_id, set(task.gateways), time.monotonic() - task.touched)
                except Exception:
                    log.exception("reconciling order %s failed", order_id)
                    done = False
                with self._lock:
                    if done or time.monotonic() - task.touched > self.give_up_s:
                        if not done:
                            log.warning("order %s: gave up reconciling", order_id)
                        if self._tasks.get(order_id) is task:
                            del self._tasks[order_id]
                    else:
                        task.delay_s = min(self.max_delay_s, task.delay_s * 2)
                        task.due = time.monotonic() + task.delay_s
