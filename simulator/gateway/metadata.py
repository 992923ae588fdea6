"""How an update changes an object's metadata, as Stripe does it for every resource that has some."""

from __future__ import annotations


def merge_metadata(current: dict[str, str], change: dict[str, str]) -> dict[str, str]:
    """`current` updated with `change`: a key set to "" is removed, and an empty `change` (`metadata=`)
    clears it all."""
    both = {**current, **change} if change else {}
    return {k: v for k, v in both.items() if v != ""}
