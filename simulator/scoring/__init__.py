"""Scoring: registered rules judge the four observations and return findings; `score(obs)` turns
them into a `ScenarioResult` (docs/scoring.md)."""

from paychaos.scoring.registry import RULES, Rule, RuleSpec, all_rules, rule
from paychaos.scoring.result import ScenarioResult
from paychaos.scoring.scorer import POINTS, score

__all__ = ["POINTS", "RULES", "Rule", "RuleSpec", "ScenarioResult", "all_rules", "rule", "score"]
