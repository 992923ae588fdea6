"""The scoring rules: small functions registered by name for one dimension.

A rule takes the `Observations` and returns None when it does not apply to the scenario, [] when it
applies and found nothing wrong, or its findings. Rules are registered with `@rule(SPEC)`, where
SPEC (a `RuleSpec`) names the rule and its dimension and builds its findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from paychaos.observations import Dimension, Finding, Observations, Severity

Check = Callable[[Observations], "list[Finding] | None"]


@dataclass(frozen=True)
class RuleSpec:
    name: str            # "<dimension>.<what it checks>"
    dimension: Dimension
    # Observations the rule reads that `inconclusive.assess` may find unusable (status, orders, money):
    # with any of them blind the rule does not apply, so no finding rests on a broken target path.
    needs: frozenset[str] = frozenset()

    def finding(self, severity: Severity, message: str, **evidence) -> Finding:
        return Finding(rule=self.name, dimension=self.dimension, severity=severity, message=message,
                       evidence=evidence)


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    check: Check
    summary: str         # the first line of the rule's docstring

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def dimension(self) -> Dimension:
        return self.spec.dimension

    @property
    def needs(self) -> frozenset[str]:
        return self.spec.needs


RULES: dict[str, Rule] = {}


def rule(spec: RuleSpec) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if spec.name in RULES and RULES[spec.name].check is not check:
            raise ValueError(f"scoring rule {spec.name!r} is registered twice")
        summary = (check.__doc__ or "").strip().splitlines()[0] if check.__doc__ else spec.name
        RULES[spec.name] = Rule(spec, check, summary)
        return check
    return register


def all_rules(dimension: Dimension | None = None) -> list[Rule]:
    """Every registered rule (of one dimension), in a stable order."""
    from paychaos.scoring import rules as _  # noqa: F401  (registers the built-in rules)

    found = [r for r in RULES.values() if dimension is None or r.dimension == dimension]
    order = list(Dimension)
    return sorted(found, key=lambda r: (order.index(r.dimension), r.name))
