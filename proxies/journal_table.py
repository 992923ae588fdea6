"""The journal as a readable table (for `paychaos journal` and `paychaos up`), with filters."""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass

COLUMNS = "time          up       method path                                key                    status  fault            error"


@dataclass
class JournalFilter:
    path: str | None = None          # glob
    status: str | None = None        # 503, 5xx, none
    fault: str | None = None         # fault name
    key: str | None = None           # idempotency key glob
    scenario: str | None = None

    def keep(self, rec: dict) -> bool:
        if self.path and not fnmatch.fnmatchcase(rec.get("path") or "", self.path):
            return False
        if self.status:
            status = rec.get("status")
            text = "none" if status is None else str(status)
            want = self.status.lower()
            if want.endswith("xx") and len(want) == 3:
                if text == "none" or text[0] != want[0]:
                    return False
            elif text != want:
                return False
        if self.fault and self.fault not in [f.get("fault") for f in rec.get("faults") or []]:
            return False
        if self.key and not fnmatch.fnmatchcase(rec.get("idempotency_key") or "", self.key):
            return False
        if self.scenario and rec.get("scenario") != self.scenario:
            return False
        return True


def row(rec: dict) -> str:
    t = rec.get("t_start") or 0
    stamp = time.strftime("%H:%M:%S", time.localtime(t)) + f".{int((t % 1) * 1000):03d}"
    faults = ",".join(f.get("fault", "?") for f in rec.get("faults") or []) or "-"
    status = "-" if rec.get("status") is None else str(rec["status"])
    path = rec.get("path") or ""
    if rec.get("event"):
        path = f"{path} {rec['event'].get('type')}"
    return (f"{stamp:<13} {rec.get('upstream', '')[:8]:<8} {rec.get('method', ''):<6} {path[:36]:<36} "
            f"{(rec.get('idempotency_key') or '-')[:22]:<22} {status:<7} {faults[:16]:<16} {_note(rec)}")


def _note(rec: dict) -> str:
    """The error kind; for a delivery a webhook fault made, what it is a copy of (and a forgery's mode)."""
    parts = [rec.get("error") or ""]
    if rec.get("forged"):
        parts.append(f"forged ({rec['forged']}) after {rec.get('replay_of')}")
    elif rec.get("replay_of"):
        parts.append(f"copy of {rec['replay_of']}")
    return " ".join(p for p in parts if p)
