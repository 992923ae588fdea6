"""The fault registry: every fault is a small registered unit (see paychaos.proxies.faults.base)."""

from paychaos.proxies.faults import answers, connections, timing, webhooks  # noqa: F401  (registers them)
from paychaos.proxies.faults.base import REGISTRY, Exchange, Fault, build_fault

__all__ = ["REGISTRY", "Exchange", "Fault", "build_fault"]
