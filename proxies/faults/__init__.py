"""The fault registry: every fault is a small registered unit (see proxies.faults.base)."""

from proxies.faults import answers, connections, timing, webhooks  # noqa: F401  (registers them)
from proxies.faults.base import REGISTRY, Exchange, Fault, build_fault

__all__ = ["REGISTRY", "Exchange", "Fault", "build_fault"]
