"""Deterministic sharding of a scenario suite: `--shard K/N` runs the K-th of N parts (K from 1).

The same suite gives every CI runner the same split, whatever order the files were listed in and
whichever machine runs it: scenarios are dealt round-robin in order of their (unique) names, so the
N parts differ in size by one at most and together hold every scenario exactly once. A part keeps
the suite's own run order.
"""

from __future__ import annotations

import re

from paychaos.common.errors import InputError

FIELD = "--shard"
VALID = "K/N with whole numbers 1 <= K <= N, e.g. 1/3"
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(spec: str) -> tuple[int, int]:
    """'2/3' -> (2, 3); InputError naming --shard and the valid form otherwise."""
    m = _SPEC.match(str(spec))
    if not m:
        raise InputError(f"'{spec}' is not a shard", field=FIELD, valid=VALID)
    index, total = int(m.group(1)), int(m.group(2))
    if total < 1 or not 1 <= index <= total:
        raise InputError(f"'{spec}' is out of range", field=FIELD, valid=VALID)
    return index, total


def shard_names(names: list[str], index: int, total: int) -> set[str]:
    """The names that fall into part `index` of `total` (round-robin over the sorted names)."""
    return {name for i, name in enumerate(sorted(names)) if i % total == index - 1}


def select_shard(scenarios: list, spec: str) -> list:
    """The scenarios of shard `spec` ("K/N"), in the suite's order.

    A shard left empty (more parts than scenarios) is an InputError too: a CI matrix that asks for
    it would otherwise report a run of nothing as a pass or a failure.
    """
    index, total = parse_shard(spec)
    chosen = shard_names([s.name for s in scenarios], index, total)
    if not chosen:
        raise InputError(f"shard {index}/{total} holds no scenario: the suite has only {len(scenarios)}",
                         field=FIELD, valid=f"at most {len(scenarios)} parts (N <= {len(scenarios)})")
    return [s for s in scenarios if s.name in chosen]
