"""Progress lines while a load run goes: the current phase, its checkouts, success rate and p95, read
from the events file the Locust master appends to (docs/load.md). Never imports locust."""

from __future__ import annotations

import json
import time
from pathlib import Path

from paychaos.load.metrics import percentile

EVERY_S = 5.0


class Progress:
    """Reads the events file incrementally; `line()` says how the current phase is going."""

    def __init__(self, path: Path, every_s: float = EVERY_S, *, quiet_until_phase: bool = False):
        self.path = Path(path)
        self.every_s = every_s
        self.quiet_until_phase = quiet_until_phase   # --web: nothing to say before Start is pressed
        self.ended = False
        self._said_end = False
        self._offset = 0
        self._partial = b""
        self._next = time.monotonic() + every_s
        self.phase: str | None = None
        self.checkouts = 0
        self.paid = 0
        self.latencies: list[float] = []

    def read(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError:
            return
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()            # a line still being written
        for raw in lines:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if rec.get("type") == "phase":
                self.phase, self.checkouts, self.paid, self.latencies = rec.get("name"), 0, 0, []
            elif rec.get("type") == "end":
                self.ended = True
            elif rec.get("type") == "checkout":
                self.checkouts += 1
                self.paid += rec.get("status") == "paid"
                if rec.get("elapsed_s") is not None:
                    self.latencies.append(float(rec["elapsed_s"]) * 1000)

    def line(self) -> str:
        rate = f"{self.paid / self.checkouts:.0%}" if self.checkouts else "-"
        p95 = percentile(self.latencies, 95)
        return (f"paychaos load: phase {self.phase or '(starting)'}: {self.checkouts} checkouts, "
                f"success {rate}, p95 {'-' if p95 is None else f'{p95:.0f} ms'}")

    def due(self) -> str | None:
        """A progress line every `every_s` seconds (None in between)."""
        now = time.monotonic()
        if now < self._next:
            return None
        self._next = now + self.every_s
        self.read()
        if self.quiet_until_phase and self.phase is None:
            return None
        if self.ended:
            if self._said_end:
                return None
            self._said_end = True
            return self.line() + "; every phase has run" + (
                " (Ctrl-C here writes the report)" if self.quiet_until_phase else "")
        return self.line()
