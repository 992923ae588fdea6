"""The events file the Locust master writes during a run (JSON Lines, flushed per record), read
back: the run's plan, each phase as it began, every checkout from every worker, the totals.

Records (written by scenarios/load/_paychaos_locust.py):
    {"type": "run", "t", "profile", "phases": [schedule.Phase.to_dict()], "users", "duration_s"}
    {"type": "phase", "t", "name", "rules", "control": [{"url", "status", "error"?}]}
    {"type": "checkout", "t", "order_id", "payment", "amount", "elapsed_s", "status", "raw_status",
     "http_status", "error", "message", "alternatives", "merchant_order_id", "worker"?}
    {"type": "end", "t"}
    {"type": "totals", "t", "by_worker": {client_id: n}, "distributed", "checkouts"}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PhaseWindow:
    name: str
    start: float                    # epoch seconds, when the rules were switched
    end: float                      # the next phase's start, the run's end, or the last answer
    rules: list = field(default_factory=list)
    control: list = field(default_factory=list)
    planned: dict = field(default_factory=dict)

    @property
    def faulted(self) -> bool:
        return bool(self.rules)

    def holds(self, t: float) -> bool:
        return self.start <= t < self.end


@dataclass
class RunEvents:
    run: dict = field(default_factory=dict)
    phases: list[PhaseWindow] = field(default_factory=list)
    checkouts: list[dict] = field(default_factory=list)
    totals: dict | None = None
    ended_at: float | None = None

    @property
    def started_at(self) -> float | None:
        return self.phases[0].start if self.phases else self.run.get("t")

    def phase_of(self, t: float) -> PhaseWindow | None:
        for phase in self.phases:
            if phase.holds(t):
                return phase
        return None


def read_events(path: Path) -> RunEvents:
    out = RunEvents()
    if not path.exists():
        return out
    raw_phases: list[dict] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a line cut short when a process died mid-write
        kind = rec.get("type")
        if kind == "run":
            out.run = rec
        elif kind == "phase":
            raw_phases.append(rec)
        elif kind == "checkout":
            out.checkouts.append(rec)
        elif kind == "end":
            out.ended_at = rec["t"]
        elif kind == "totals":
            out.totals = rec
    last_seen = max([c["t"] + (c.get("elapsed_s") or 0) for c in out.checkouts], default=0.0)
    last_start = max([c["t"] for c in out.checkouts], default=0.0)
    planned = {p["name"]: p for p in out.run.get("phases", [])}
    for i, rec in enumerate(raw_phases):
        # The last phase also holds a checkout a user began while the run was being stopped.
        end = (raw_phases[i + 1]["t"] if i + 1 < len(raw_phases)
               else max(out.ended_at or last_seen, last_start + 1e-6, rec["t"] + 1e-6))
        out.phases.append(PhaseWindow(rec["name"], rec["t"], end, rec.get("rules", []),
                                      rec.get("control", []), planned.get(rec["name"], {})))
    return out
