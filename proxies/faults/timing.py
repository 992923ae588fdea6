"""Faults about time: the gateway is slow to answer, never answers, or answers slowly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from paychaos.proxies.faults.base import Exchange, Fault, param, register


@register
@dataclass(frozen=True)
class Latency(Fault):
    """Hold the request for delay_ms (plus jitter) before it goes to the upstream."""

    name = "latency"
    delay_ms: float = param(help="base delay", min=0, max=600_000)
    jitter_ms: float = param(0.0, min=0, max=600_000, help="uniform: +- this; lognormal: ignored")
    distribution: Literal["fixed", "uniform", "lognormal"] = "uniform"
    sigma: float = param(0.5, min=0, max=5, help="lognormal shape; delay_ms is the median")

    def delay_s(self, rng) -> float:
        if self.distribution == "lognormal":
            return self.delay_ms * math.exp(rng.gauss(0.0, self.sigma)) / 1000.0
        if self.distribution == "uniform" and self.jitter_ms:
            return max(0.0, self.delay_ms + rng.uniform(-self.jitter_ms, self.jitter_ms)) / 1000.0
        return self.delay_ms / 1000.0

    async def on_request(self, ex: Exchange) -> None:
        await ex.sleep(self.delay_s(ex.rng))


@register
@dataclass(frozen=True)
class Hang(Fault):
    """Accept the request and never answer: the client waits until it gives up itself."""

    name = "hang"

    async def on_request(self, ex: Exchange) -> None:
        ex.hang()


@register
@dataclass(frozen=True)
class SlowBody(Fault):
    """Send the upstream's answer at bytes_per_s: headers at once, the body trickling."""

    name = "slow_body"
    bytes_per_s: float = param(help="body bytes per second", min=1, max=10_000_000)

    async def on_request(self, ex: Exchange) -> None:
        ex.trickle(self.bytes_per_s)
