"""How the resilient merchant retries one gateway call, and when it stops calling a gateway at all.

- `RetryPolicy`: a few attempts, exponential backoff with jitter from a small base, each call with
  its own timeout, never past the answer deadline; Retry-After is honoured when it fits the budget
  (when it does not, the merchant stops calling rather than hammering); Stripe-Should-Retry wins
  over the status; card errors are never retried.
- `CircuitBreaker`: after a run of failures the gateway is skipped for a cool-down, then one probe.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from paychaos.merchants.resilient.gateway_client import AUTH, OK, TRANSIENT, UNKNOWN, CallResult, Gateway

log = logging.getLogger("paychaos.merchant.retry")


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 4, open_s: float = 5.0):
        self.failure_threshold = failure_threshold
        self.open_s = open_s
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if time.monotonic() - self._opened_at >= self.open_s else "open"

    def allow(self) -> bool:
        """May a checkout use this gateway now? In half-open state only one probe at a time."""
        with self._lock:
            if self._opened_at is None:
                return True
            if time.monotonic() - self._opened_at < self.open_s or self._probing:
                return False
            self._probing = True
            return True

    def record(self, healthy: bool) -> None:
        with self._lock:
            self._probing = False
            if healthy:
                self._failures, self._opened_at = 0, None
                return
            self._failures += 1
            if self._opened_at is not None or self._failures >= self.failure_threshold:
                self._opened_at = time.monotonic()


@dataclass
class Tries:
    """The calls one retry loop made, last one last."""

    results: list[CallResult] = field(default_factory=list)

    @property
    def last(self) -> CallResult:
        return self.results[-1]

    @property
    def may_have_acted(self) -> bool:
        return any(r.may_have_acted for r in self.results)


@dataclass
class RetryPolicy:
    max_attempts: int = 3
    base_s: float = 0.2
    cap_s: float = 2.0
    call_timeout_s: float = 2.0

    def backoff_s(self, retry: int) -> float:
        """Delay before retry number `retry` (1, 2, ...): doubles each time, jittered in its upper half."""
        ceiling = min(self.cap_s, self.base_s * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)

    def run(self, gateway: Gateway, fn: Callable[[Any], Any], deadline: float, *, what: str,
            breaker: CircuitBreaker | None = None, max_attempts: int | None = None) -> Tries:
        tries = Tries()
        attempts = max_attempts or self.max_attempts
        for attempt in range(1, attempts + 1):
            remaining = deadline - time.monotonic()
            if remaining < 0.15:
                break
            result = gateway.call(fn, min(self.call_timeout_s, remaining))
            tries.results.append(result)
            if breaker is not None:
                breaker.record(result.kind not in (TRANSIENT, UNKNOWN, AUTH))
            if result.kind == OK or not result.retryable or attempt == attempts:
                log.info("%s on %s: attempt %d -> %s %s", what, gateway.name, attempt, result.kind, result.detail)
                break
            wait = self.backoff_s(attempt)
            if result.retry_after_s is not None:
                wait = max(wait, result.retry_after_s)
            if time.monotonic() + wait + 0.15 > deadline:
                log.info("%s on %s: attempt %d -> %s %s; next try (in %.2fs) would miss the deadline",
                         what, gateway.name, attempt, result.kind, result.detail, wait)
                break
            log.info("%s on %s: attempt %d -> %s %s; retry in %.2fs",
                     what, gateway.name, attempt, result.kind, result.detail, wait)
            time.sleep(wait)
        return tries
