"""A scenario's score as report.json carries it (DESIGN.md): total, the four dimensions (None when a
dimension does not apply), the findings with their evidence, the threshold and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from paychaos.observations import Finding, Severity

_SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2, Severity.INFO: 3}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass
class ScenarioResult:
    name: str
    cause: str
    total: float
    prompt: float | None = None
    retry: float | None = None
    fallback: float | None = None
    integrity: float | None = None
    findings: list[Finding] = field(default_factory=list)
    threshold: float = 80.0
    passed: bool = False
    error: str | None = None
    inconclusive: list[str] = field(default_factory=list)  # why the run cannot carry a verdict

    def worst_findings(self, n: int = 3) -> list[Finding]:
        """The n most severe findings (critical first), for a console line or a summary."""
        ranked = sorted(self.findings, key=lambda f: _SEVERITY_ORDER[Severity(f.severity)])
        return [f for f in ranked if f.severity != Severity.INFO][:n]

    def passes(self, min_score: float | None = None) -> bool:
        """Whether it meets `min_score`, or its own threshold without one; an errored or inconclusive
        run never does."""
        bar = self.threshold if min_score is None else min_score
        return self.error is None and not self.inconclusive and self.total >= bar

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "cause": str(self.cause),
            "score": {"total": _rounded(self.total), "prompt": _rounded(self.prompt),
                      "retry": _rounded(self.retry), "fallback": _rounded(self.fallback),
                      "integrity": _rounded(self.integrity)},
            "findings": [f.to_dict() for f in self.findings],
            "threshold": self.threshold,
            "passed": self.passed,
            "error": self.error,
            "inconclusive": list(self.inconclusive),
        }
