"""Proof that the score means something: the whole built-in suite against both reference merchants.
The resilient merchant scores at least 90 overall and passes; the naive one scores at most 50, and
every defect built into it (simulator/merchants/naive/__init__.py, numbered there) shows up as a
finding of the rule and dimension it belongs to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAIVE = ROOT / "simulator" / "merchants" / "targets" / "naive.yaml"

# naive's defect (its number) -> the (rule, dimension) findings that must expose it
DEFECT_FINDINGS = {
    "1 no timeouts of its own": [("retry.own_timeout", "retry"), ("prompt.answer_budget", "prompt")],
    "2 immediate retries without an idempotency key": [("retry.backoff", "retry"),
                                                       ("retry.idempotency_key", "retry"),
                                                       ("integrity.no_double_charge", "integrity")],
    "3 retries hard declines": [("retry.hard_decline", "retry")],
    "4 ignores Retry-After and Stripe-Should-Retry": [("retry.retry_after", "retry"),
                                                      ("retry.should_retry", "retry")],
    "5 raw gateway errors shown to the customer": [("prompt.no_leaks", "prompt"),
                                                   ("prompt.message_fits", "prompt")],
    # The lie is in the answer; whether the order also stays "failed" with the money (an orphan charge)
    # depends on whether naive's webhook lands before the order is read, so only the answer is required.
    "6 says failed although charged": [("prompt.status_right", "prompt")],
    "7 no fallback": [("fallback.alternatives", "fallback"), ("fallback.backup_used", "fallback")],
    "8 double submit charges twice": [("integrity.no_double_charge", "integrity")],
    "9 no refund on cancel": [("integrity.refund_after_cancel", "integrity")],
    "10 webhooks not verified (a forged event is believed)": [("integrity.rejects_forged_webhooks", "integrity")],
    "10/11 webhooks not deduplicated, fulfils twice": [("integrity.no_double_fulfilment", "integrity")],
}


def run_builtin_suite(tmp_path: Path, *target: str) -> tuple[int, dict]:
    report_dir = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "run", "-n", "2", "--report-dir",
                           str(report_dir), *target], capture_output=True, text=True, timeout=600, cwd=ROOT)
    report = json.loads((report_dir / "report.json").read_text())
    return proc.returncode, report


@pytest.mark.slow
def test_resilient_merchant_scores_at_least_90_and_passes(tmp_path):
    code, report = run_builtin_suite(tmp_path)
    assert len(report["scenarios"]) >= 15
    # errored and inconclusive scenarios first, with their reasons: a score of 0 alone says nothing
    assert [(s["name"], s["error"]) for s in report["scenarios"] if s.get("error")] == []
    assert [(s["name"], s["inconclusive"]) for s in report["scenarios"] if s.get("inconclusive")] == []
    assert report["total"] >= 90, [(s["name"], s["score"]["total"]) for s in report["scenarios"]]
    assert code == 0 and report["passed"] is True


@pytest.mark.slow
def test_naive_merchant_scores_at_most_50_and_each_defect_is_a_finding(tmp_path):
    code, report = run_builtin_suite(tmp_path, "--target", str(NAIVE))
    assert report["total"] <= 50
    assert code == 1 and report["passed"] is False
    found = {(f["rule"], f["dimension"]) for s in report["scenarios"] for f in s["findings"]}
    missing = {defect: [f for f in expected if f not in found]
               for defect, expected in DEFECT_FINDINGS.items() if not set(expected) <= found}
    assert not missing, f"naive's defects without their findings: {missing}"
