"""A profile's phases laid out on the clock of one run.

A profile (scenarios/load/<name>.py) declares its phases as shares of the run's duration and of its
peak users; `plan()` turns them into absolute times and user counts for a given `--duration` and
`--users`. Pure data: used by the Locust shape (to tick) and by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Phase:
    name: str
    start_s: float
    end_s: float
    users: int
    spawn_rate: float
    rules: list = field(default_factory=list)   # scenario fault rules, PUT to the proxy at start_s
    users_end: int | None = None                # a ramp: users grow linearly from `users` to this

    @property
    def faulted(self) -> bool:
        return bool(self.rules)

    def users_at(self, t: float) -> int:
        if self.users_end is None or self.end_s <= self.start_s:
            return self.users
        share = min(1.0, max(0.0, (t - self.start_s) / (self.end_s - self.start_s)))
        return max(1, round(self.users + (self.users_end - self.users) * share))

    def to_dict(self) -> dict:
        return {"name": self.name, "start_s": self.start_s, "end_s": self.end_s, "users": self.users,
                "users_end": self.users_end, "spawn_rate": self.spawn_rate, "rules": self.rules,
                "faulted": self.faulted}


def plan(phases: list[dict], duration_s: float, users: int, *, spawn_rate: float | None = None) -> list[Phase]:
    """Lay out phase dicts {name, share, users (share of peak), users_end?, rules} on the clock.
    `spawn_rate` (users started or stopped per second) is the same for every phase when given (the web
    UI's ramp-up); else each phase reaches its user count within about a second."""
    total_share = sum(float(p["share"]) for p in phases)
    out: list[Phase] = []
    t = 0.0
    for spec in phases:
        length = duration_s * float(spec["share"]) / total_share
        start_users = max(1, round(users * float(spec.get("users", 1.0))))
        end_users = spec.get("users_end")
        end_users = max(1, round(users * float(end_users))) if end_users is not None else None
        # Reach a phase's user count within a second or so; a ramp grows by its own slope.
        spawn = float(spawn_rate) if spawn_rate else float(max(start_users, end_users or 0, 1))
        out.append(Phase(spec["name"], round(t, 3), round(t + length, 3), start_users, spawn,
                         list(spec.get("rules", [])), end_users))
        t += length
    return out


def phase_at(phases: list[Phase], t: float) -> Phase | None:
    """The phase running at `t` seconds into the run; None once the last one has ended."""
    for phase in phases:
        if phase.start_s <= t < phase.end_s:
            return phase
    return None
