"""Hands each event to every reporter in turn. Runner workers may call from several threads;
reporters see one event at a time and need no locks of their own."""

from __future__ import annotations

import threading


class Reporter:
    """Base for reporters: `handle(event)` calls `on_<event kind>` when the reporter defines it.

    Event kinds: suite_started, scenario_started, checkout_done, scenario_finished, suite_finished.
    """

    def handle(self, event) -> None:
        method = getattr(self, "on_" + _kind(type(event).__name__), None)
        if method is not None:
            method(event)


def _kind(class_name: str) -> str:
    out = []
    for i, ch in enumerate(class_name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class Fanout:
    """A reporter that fails (a full disk, an unwritable directory) does not stop the others; its
    failure is kept in `failures`, and the command that ran the suite must not claim success."""

    def __init__(self, reporters: list[Reporter]):
        self.reporters = list(reporters)
        self.failures: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        with self._lock:
            for reporter in self.reporters:
                try:
                    reporter.handle(event)
                except Exception as exc:  # noqa: BLE001 - every other reporter still gets the event
                    self.failures.append(f"{type(reporter).__name__}: {type(exc).__name__}: {exc}")
