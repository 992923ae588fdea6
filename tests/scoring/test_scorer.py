import json

from paychaos.observations import Dimension, Severity
from paychaos.scoring import POINTS, all_rules, score
from paychaos.scoring.scorer import total_score
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule


def test_graceful_healthy_run_scores_100_and_dimensions_without_a_say_are_none():
    run = Run()
    for i in range(3):
        run.paid(f"ord_{i}", at=i)
    result = score(run.observations())
    assert result.findings == []
    assert (result.total, result.prompt, result.integrity) == (100.0, 100.0, 100.0)
    assert result.retry is None and result.fallback is None
    assert result.passed and result.error is None


def test_to_dict_matches_report_json_scenario_entry():
    run = Run(threshold=90)
    run.paid("ord_1")
    run.checkout("ord_2", "paid")          # told paid, no money anywhere
    data = score(run.observations()).to_dict()
    assert set(data) == {"name", "cause", "score", "findings", "threshold", "passed", "error", "inconclusive"}
    assert data["inconclusive"] == []
    assert set(data["score"]) == {"total", "prompt", "retry", "fallback", "integrity"}
    assert data["cause"] == "healthy" and data["threshold"] == 90 and data["passed"] is False
    assert data["score"]["retry"] is None
    first = data["findings"][0]
    assert first["severity"] == "critical" and first["dimension"] == "prompt"
    assert first["evidence"]["order_ids"] == ["ord_2"]
    json.dumps(data)  # JSON-safe


def test_observation_errors_score_zero_with_an_error_finding():
    run = Run()
    run.paid("ord_1")
    result = score(run.observations(errors=["merchant exited with status 1: boom"]))
    assert result.total == 0 and result.error.startswith("merchant exited")
    assert not result.passed and not result.passes(min_score=0)
    assert [f.rule for f in result.findings] == ["run.error"]
    assert result.to_dict()["score"] == {"total": 0.0, "prompt": None, "retry": None, "fallback": None,
                                         "integrity": None}


def test_no_checkout_at_all_is_an_error_not_a_perfect_score():
    result = score(Run().observations())
    assert result.total == 0 and "no checkout" in result.error


def test_formula_points_half_mean_half_weakest_and_critical_cap():
    assert POINTS == {Severity.CRITICAL: 60, Severity.MAJOR: 30, Severity.MINOR: 10, Severity.INFO: 0}
    dims = {Dimension.PROMPT: 100.0, Dimension.RETRY: 70.0, Dimension.FALLBACK: None, Dimension.INTEGRITY: 100.0}
    assert total_score(dims, []) == 80.0          # (mean 90 + weakest 70) / 2
    run = Run()
    run.paid("ord_1")
    run.checkout("ord_2", "paid")
    result = score(run.observations())
    # one critical in prompt (40), integrity 100: (70 + 40) / 2 = 55, capped at 50
    assert result.prompt == 40 and result.integrity == 100 and result.total == 50.0


def test_info_findings_cost_nothing():
    run = Run()
    run.exchange("ord_1", 200)
    run.charge("ord_1", refunded=run.amount("ord_1"))
    run.checkout("ord_1", "failed")
    run.state("ord_1", "failed")
    result = score(run.observations())
    assert [f.severity for f in by_rule(result, "prompt.status_right")] == [Severity.INFO]
    assert result.prompt == 100


def test_a_failing_rule_makes_the_scenario_errored_not_silently_good():
    from paychaos.scoring.registry import Rule, RuleSpec

    def broken(obs):
        raise KeyError("id")
    rules = [Rule(RuleSpec("prompt.broken", Dimension.PROMPT), broken, "broken")]
    run = Run()
    run.paid("ord_1")
    result = score(run.observations(), rules=rules)
    assert result.total == 0 and "prompt.broken failed: KeyError" in result.error


def test_every_rule_is_documented_in_scoring_md():
    from pathlib import Path
    doc = (Path(__file__).parents[2] / "docs" / "scoring.md").read_text(encoding="utf-8")
    missing = [r.name for r in all_rules() if f"`{r.name}`" not in doc]
    assert missing == []


def test_worst_findings_ranks_critical_first_and_skips_info():
    run = Run(cause="gateway_outage", faults=[fault("http_error", status=503)])
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="error", alternatives=[])
    run.checkout("ord_2", "paid")
    result = score(run.observations())
    worst = result.worst_findings(2)
    assert worst[0].severity == Severity.CRITICAL
    assert all(f.severity != Severity.INFO for f in worst)
