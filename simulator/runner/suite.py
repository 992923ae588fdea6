"""Run a list of scenarios on one or more Sessions (workers) and return their observations in order.

Events for progress, `on_event(kind, ...)`, called one at a time (never concurrently):
- `("scenario_started", scenario)`
- `("checkout_done", scenario, checkout_result)`
- `("scenario_finished", observations)`
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from paychaos.common.errors import InputError
from paychaos.observations import Observations
from paychaos.runner.session import Session, SessionError
from paychaos.scenario.model import Action, Scenario
from paychaos.target import Target

JOIN_POLL_S = 0.2


def check_runnable(scenarios: list[Scenario], target: Target) -> None:
    """Scenario needs the target cannot meet are input errors, found before anything starts."""
    for sc in scenarios:
        if Action.CANCEL_AFTER_PAY in sc.actions and target.cancel is None:
            raise InputError(f"scenario '{sc.name}' uses the action cancel_after_pay, but the target has no "
                             f"cancel call", file=target.path, field="cancel",
                             valid='cancel: {method: POST, path: "/orders/{order.id}/cancel"}')


def run_suite(scenarios: list[Scenario], target: Target, workers: int = 1,
              on_event: Callable[..., None] | None = None) -> list[Observations]:
    check_runnable(scenarios, target)
    emit = _serialised(on_event)
    workers = max(1, min(workers, len(scenarios)))
    if workers == 1:
        return _run_here(scenarios, target, emit)
    return _run_parallel(scenarios, target, workers, emit)


def _run_here(scenarios: list[Scenario], target: Target, emit) -> list[Observations]:
    results = []
    try:
        with Session(target, on_event=emit) as session:
            for sc in scenarios:
                results.append(session.run(sc))
    except SessionError as exc:
        results += [_errored(sc, str(exc), emit) for sc in scenarios[len(results):]]
    return results


def _run_parallel(scenarios: list[Scenario], target: Target, workers: int, emit) -> list[Observations]:
    todo: queue.Queue[int] = queue.Queue()
    for i in range(len(scenarios)):
        todo.put(i)
    results: dict[int, Observations] = {}
    sessions: list[Session] = []
    stop = threading.Event()
    lock = threading.Lock()

    def work(worker: int) -> None:
        session = Session(target, on_event=emit, worker=worker)
        with lock:
            sessions.append(session)
        try:
            with session:
                while not stop.is_set():
                    try:
                        i = todo.get_nowait()
                    except queue.Empty:
                        return
                    results[i] = session.run(scenarios[i])
        except SessionError as exc:
            # This worker could not start its services; the others carry on, and if none can, the
            # scenarios left over are reported as errored below.
            with lock:
                failures.append(str(exc))

    failures: list[str] = []
    threads = [threading.Thread(target=work, args=(w,), name=f"paychaos-worker-{w}", daemon=True)
               for w in range(workers)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(JOIN_POLL_S)
    except KeyboardInterrupt:
        stop.set()
        with lock:
            for session in sessions:
                session.close()  # ends the processes, so requests in flight fail fast
        for t in threads:
            t.join(10)
        raise
    leftover = "; ".join(failures) or "no worker was left to run it"
    return [results[i] if i in results else _errored(sc, leftover, emit) for i, sc in enumerate(scenarios)]


def _errored(scenario: Scenario, message: str, emit) -> Observations:
    obs = Observations(scenario=scenario, checkouts=[], journal=[], ledger={}, backup_ledger=None, orders={},
                       errors=[message])
    if emit:
        emit("scenario_started", scenario)
        emit("scenario_finished", obs)
    return obs


def _serialised(on_event):
    if on_event is None:
        return None
    lock = threading.Lock()

    def emit(kind: str, *payload) -> None:
        with lock:
            on_event(kind, *payload)

    return emit
