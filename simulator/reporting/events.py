"""What a suite run tells its reporters. Plain data; every card number in them is already masked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SuiteStarted:
    scenarios: list[str]              # names, in run order
    target: str                       # the target's name (or file)
    workers: int = 1
    min_score: float | None = None    # None: each scenario's own threshold
    started_at: float = 0.0           # epoch seconds


@dataclass(frozen=True)
class ScenarioStarted:
    name: str
    cause: str = ""


@dataclass(frozen=True)
class CheckoutDone:
    scenario: str
    checkout: dict = field(default_factory=dict)   # CheckoutResult.to_dict(), masked


@dataclass(frozen=True)
class ScenarioFinished:
    entry: dict                       # the report.json scenario entry, verdict applied


@dataclass(frozen=True)
class SuiteFinished:
    report: dict                      # the whole report.json
