"""`score(obs)`: run every rule, turn findings into dimension scores and a total (docs/scoring.md).

- A dimension's score is 100 minus the points of its findings, at least 0; None when none of its
  rules applies.
- The total is half the mean of the applicable dimensions plus half the weakest of them: an
  integration is only as graceful as its weakest part. Any critical finding (money lost or doubled,
  a customer told the opposite of the truth) caps the total at 50.
- A run that could not be observed properly (`obs.errors`) scores 0 with an error finding.
- A run that exercised nothing or whose evidence is incomplete is inconclusive (`inconclusive.assess`,
  read before any rule): it never passes; rules whose observations are unusable stand aside, and all
  of them where the scenario does not apply to the target (its `flows:` or `requires:`).
"""

from __future__ import annotations

import traceback

from paychaos.observations import Dimension, Finding, Observations, Severity
from paychaos.scoring import inconclusive
from paychaos.scoring.lexicon import Lexicon, using_lexicon
from paychaos.scoring.registry import Rule, RuleSpec, all_rules
from paychaos.scoring.result import ScenarioResult

POINTS = {Severity.CRITICAL: 60, Severity.MAJOR: 30, Severity.MINOR: 10, Severity.INFO: 0}
CRITICAL_CAP = 50.0

RUN_ERROR = RuleSpec("run.error", Dimension.INTEGRITY)
_ORDER = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2, Severity.INFO: 3}


def dimension_score(findings: list[Finding]) -> float:
    return float(max(0, 100 - sum(POINTS[Severity(f.severity)] for f in findings)))


def total_score(dimensions: dict[Dimension, float | None], findings: list[Finding]) -> float:
    applicable = [v for v in dimensions.values() if v is not None]
    if not applicable:
        return 100.0
    total = (sum(applicable) / len(applicable) + min(applicable)) / 2
    if any(f.severity == Severity.CRITICAL for f in findings):
        total = min(total, CRITICAL_CAP)
    return round(total, 1)


def _errored(obs: Observations, reasons: list[str]) -> ScenarioResult:
    scenario = obs.scenario
    text = "; ".join(reasons)
    finding = RUN_ERROR.finding(Severity.CRITICAL, f"The scenario could not run properly: {text}",
                                errors=reasons)
    return ScenarioResult(name=scenario.name, cause=str(scenario.cause), total=0.0, findings=[finding],
                          threshold=scenario.expect.threshold, passed=False, error=text)


def score(obs: Observations, *, lexicon: Lexicon | None = None,
          rules: list[Rule] | None = None) -> ScenarioResult:
    """Score one scenario run from its observations."""
    if obs.errors:
        return _errored(obs, list(obs.errors))
    if not obs.checkouts:
        return _errored(obs, ["the driver recorded no checkout"])
    assessment = inconclusive.assess(obs)
    findings: list[Finding] = []
    applies: dict[Dimension, bool] = {d: False for d in Dimension}
    with using_lexicon(lexicon):
        for rule in rules if rules is not None else all_rules():
            if "scenario" in assessment.blind or rule.needs & assessment.blind:
                continue
            try:
                found = rule.check(obs)
            except Exception as exc:  # a scoring bug must show, not pass silently as a good score
                where = traceback.extract_tb(exc.__traceback__)[-1]
                return _errored(obs, [f"scoring rule {rule.name} failed: {type(exc).__name__}: {exc} "
                                      f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"])
            if found is None:
                continue
            applies[rule.dimension] = True
            findings.extend(found)
    findings.sort(key=lambda f: (_ORDER[Severity(f.severity)], list(Dimension).index(f.dimension), f.rule))
    dims = {d: (dimension_score([f for f in findings if f.dimension == d]) if applies[d] else None)
            for d in Dimension}
    total = total_score(dims, findings)
    threshold = obs.scenario.expect.threshold
    return ScenarioResult(name=obs.scenario.name, cause=str(obs.scenario.cause), total=total,
                          prompt=dims[Dimension.PROMPT], retry=dims[Dimension.RETRY],
                          fallback=dims[Dimension.FALLBACK], integrity=dims[Dimension.INTEGRITY],
                          findings=findings, threshold=threshold,
                          passed=total >= threshold and not assessment.reasons,
                          inconclusive=assessment.reasons)
