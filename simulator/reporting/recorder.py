"""Turns the runner's events into reporter events and keeps the suite report.

The runner calls `recorder.on_event(kind, payload)` with kind one of "scenario_started" (payload:
the Scenario), "checkout_done" (a CheckoutResult, or a (Scenario, CheckoutResult) pair) and
"scenario_finished" (the scenario's Observations). Each finished scenario is scored at once, so a
suite cut short by Ctrl-C still reports every scenario it measured.
"""

from __future__ import annotations

import time

from paychaos.common.masking import mask_obj
from paychaos.reporting.entries import errored_entry, scenario_entry
from paychaos.reporting.events import (
    CheckoutDone,
    ScenarioFinished,
    ScenarioStarted,
    SuiteFinished,
    SuiteStarted,
)
from paychaos.reporting.fanout import Fanout
from paychaos.reporting.suite import SuiteReport


class RunRecorder:
    def __init__(self, scenarios: list, *, target: str, emit: Fanout, min_score: float | None = None,
                 workers: int = 1, scorer=None, allow_inconclusive: bool = False, repro: dict | None = None,
                 baseline: dict | None = None, baseline_file: str = ""):
        self.scenarios = {s.name: s for s in scenarios}
        self.min_score = min_score
        self.emit = emit
        self.scorer = scorer
        self.suite = SuiteReport(list(self.scenarios), target=target, min_score=min_score, started_at=time.time(),
                                 allow_inconclusive=allow_inconclusive, repro=repro, baseline=baseline,
                                 baseline_file=baseline_file)
        self.finished = False
        emit(SuiteStarted(list(self.scenarios), target=target, workers=workers, min_score=min_score,
                          started_at=self.suite.started_at))

    # -- runner events ----------------------------------------------------------------------
    def on_event(self, kind: str, payload=None, *rest) -> None:
        if kind == "scenario_started":
            scenario = _scenario_of(payload)
            self.emit(ScenarioStarted(scenario.name, str(scenario.cause)))
        elif kind == "checkout_done":
            scenario, checkout = (payload, rest[0]) if rest else (None, payload)
            name = scenario.name if scenario is not None else getattr(checkout, "scenario", "")
            data = checkout.to_dict() if hasattr(checkout, "to_dict") else dict(checkout or {})
            self.emit(CheckoutDone(name, mask_obj(data)))
        elif kind == "scenario_finished":
            self.scenario_finished(payload)

    def scenario_finished(self, obs) -> dict:
        """Score one scenario's observations and tell the reporters."""
        name = obs.scenario.name
        if name in self.suite.entries:
            return self.suite.entries[name]
        try:
            result = self._score(obs).to_dict()
            entry = scenario_entry(result, obs, min_score=self.min_score)
        except Exception as exc:  # a scoring bug must not lose the other scenarios' results
            entry = errored_entry(name, str(obs.scenario.cause), f"scoring failed: {type(exc).__name__}: {exc}",
                                  threshold=obs.scenario.expect.threshold, min_score=self.min_score,
                                  path=obs.scenario.path, seed=obs.scenario.seed)
        self.suite.add(entry)
        self.emit(ScenarioFinished(entry))
        return entry

    def scenario_errored(self, scenario, error: str) -> dict:
        entry = errored_entry(scenario.name, str(scenario.cause), error,
                              threshold=scenario.expect.threshold, min_score=self.min_score,
                              path=getattr(scenario, "path", None), seed=getattr(scenario, "seed", None))
        self.suite.add(entry)
        self.emit(ScenarioFinished(entry))
        return entry

    def finish(self, *, interrupted: bool = False) -> dict:
        """Close the suite (once): the whole report, handed to every reporter."""
        self.suite.interrupted = interrupted
        report = self.suite.to_dict()
        if not self.finished:
            self.finished = True
            self.emit(SuiteFinished(report))
        return report

    def _score(self, obs):
        if self.scorer is None:
            from paychaos.scoring import score
            self.scorer = score
        return self.scorer(obs)


def _scenario_of(payload):
    return getattr(payload, "scenario", payload)
