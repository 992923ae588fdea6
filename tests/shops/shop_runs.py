"""`paychaos run` on a test shop from the tests, report.json's scenarios by name (cached per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERIOUS = ("critical", "major")
ANY = ("critical", "major", "minor")
_runs: dict[tuple, dict] = {}


def paychaos_run(tmp_path_factory, target: str, scenarios: tuple[str, ...], env: dict[str, str]) -> dict:
    key = (target, scenarios, tuple(sorted(env.items())))
    if key not in _runs:
        out = tmp_path_factory.mktemp("shop-run")
        argv = [sys.executable, "-P", "-m", "paychaos.cli", "run", "-n", "2", *(f"scenarios/{s}.yaml" for s in scenarios),
                "--target", target, "--report-dir", str(out)]
        proc = subprocess.run(argv, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        report = json.loads((out / "report.json").read_text())
        _runs[key] = {sc["name"]: sc for sc in report["scenarios"]}
    return _runs[key]


def findings(sc: dict, rule: str | None = None, severities=SERIOUS) -> list[dict]:
    return [f for f in sc["findings"] if f["severity"] in severities and (rule is None or f["rule"] == rule)]


def planted(tmp_path_factory, target: str, scenario: str, **env: str) -> dict:
    """One scenario's entry from a run of it alone with env set (the shop's planted defect, say)."""
    return paychaos_run(tmp_path_factory, target, (scenario,), env)[scenario.rsplit("/", 1)[-1]]


def prompt_findings(sc: dict, rule: str, severities=ANY) -> list[dict]:
    """The scenario's findings of one rule in the prompt dimension (any severity unless told)."""
    return [f for f in findings(sc, rule, severities) if f["dimension"] == "prompt"]
