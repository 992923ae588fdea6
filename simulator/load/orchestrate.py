"""One `paychaos load` run: start the stack, run Locust with the profile, watch the merchant,
then gather the checkouts, the journals and the ledgers into metrics, a verdict and the reports.

Whatever happens (the merchant dies, Locust fails, Ctrl-C), every process started here is stopped
and what was measured so far is still written.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from paychaos.common import dialects
from paychaos.common.errors import InputError
from paychaos.load import events as events_mod
from paychaos.load import flows, profiles, report_html, report_json, series, suite_scoring, verdict
from paychaos.load import metrics as metrics_mod
from paychaos.load.checkout_request import spec_of
from paychaos.load.locust_procs import STOP_TIMEOUT_S, WORKER_WAIT_S, start_locust
from paychaos.load.progress import Progress
from paychaos.load.stack import get_json, start_stack
from paychaos.proxies.journal import read_journal
from paychaos.target import load_target


@dataclass
class LoadOptions:
    profile: str | None = None
    target: str | None = None
    users: int = 10
    duration_s: float = 60.0
    report_dir: str = "paychaos-load"
    web: bool = False
    workers: int = 0
    proxies: int = 1
    min_score: float | None = None
    seed: int = 1
    locale: str = "en_US"
    think_s: float | None = None      # seconds between a customer's checkouts (default: the profile's)
    remote_workers: int = 0           # workers expected from other machines
    master_bind_host: str = "127.0.0.1"
    master_port: int | None = None
    allow_hosts: tuple[str, ...] = ()  # non-loopback merchant hosts the user allows explicitly


class LoadFailed(Exception):
    """The run could not complete (the reports are written); the CLI exits 2."""


def validate(opts: LoadOptions) -> None:
    if opts.users < 1:
        raise InputError(f"{opts.users} users", field="--users", valid="a whole number >= 1")
    if not opts.duration_s > 0:
        raise InputError(f"{opts.duration_s:g} seconds", field="--duration", valid="seconds > 0")
    if opts.workers < 0:
        raise InputError(f"{opts.workers} workers", field="--workers", valid="0 (one process) or more")
    if opts.think_s is not None and opts.think_s < 0:
        raise InputError(f"{opts.think_s:g} seconds", field="--think", valid="seconds >= 0")
    if opts.remote_workers < 0:
        raise InputError(f"{opts.remote_workers} workers", field="--expect-remote-workers", valid="0 or more")
    if opts.proxies < 1:
        raise InputError(f"{opts.proxies} proxies", field="--proxies", valid="1 or more")


def run_load(opts: LoadOptions, *, say=print) -> dict:
    """Run, write report.json and report.html, return the report. Raises LoadFailed after writing
    the reports when the run broke off."""
    validate(opts)
    profile = profiles.resolve(opts.profile)
    target = load_target(opts.target)
    flows.check(target, remote_workers=opts.remote_workers)   # a flow load cannot play: exit 2, nothing started
    if target.start:  # one merchant per proxy: each needs its own {port}
        target.check_workers(opts.proxies, flag="--proxies")
    out = Path(opts.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    events_path = out / "events.jsonl"
    events_path.unlink(missing_ok=True)
    for old in out.glob("journal-*.jsonl"):
        old.unlink()

    errors: list[str] = []
    ledgers: dict[str, dict] = {}
    journal: list[dict] = []
    started = time.time()
    interrupted, stopped_at = False, None
    stack = start_stack(target, out, proxies=opts.proxies, allow_hosts=opts.allow_hosts)
    try:
        config = {"run_id": uuid.uuid4().hex[:6], "profile": profile.name, "users": opts.users,
                  "duration_s": opts.duration_s, "seed": opts.seed, "locale": opts.locale,
                  "checkout": spec_of(target), "base_urls": [m.base_url for m in stack.merchants],
                  "controls": stack.controls, "events_path": str(events_path.resolve()), "web": opts.web,
                  "think_s": None if opts.think_s is None else [opts.think_s, opts.think_s],
                  "currency": dialects.DIALECTS[target.dialect_of["primary"]].currency,
                  **flows.config(target, stack)}
        run = start_locust(profile.path, config, out, host=stack.merchants[0].base_url,
                           workers=opts.workers, web=opts.web, remote_workers=opts.remote_workers,
                           master_bind_host=opts.master_bind_host, master_port=opts.master_port,
                           control_tokens=stack.control_tokens)
        try:
            if opts.remote_workers:
                say(f"paychaos load: waiting for {opts.remote_workers} remote worker(s); on each worker machine run:\n"
                    f"  locust -f {profile.path} --worker --master-host <this host> --master-port {run.master_port}")
            if run.web_url:
                _wait_for_ui(run)
                say(f"paychaos load: Locust's UI is at {run.web_url} (Ctrl-C here ends the run and writes the report)")
            watched, interrupted = _watch(run, stack, opts, progress=Progress(events_path, quiet_until_phase=opts.web),
                                          say=say)
            errors += watched
            stopped_at = time.time()
            run.finish()
            if run.master.returncode not in (0, None) and not events_path.exists():
                errors.append(f"Locust exited with status {run.master.returncode}:\n{run.log_tail()}")
        finally:
            run.stop()
        events = events_mod.read_events(events_path)
        states = suite_scoring.order_states(target, events.checkouts) if stack.dead_merchant() is None else {}
        for name, gw in stack.gateways.items():
            if gw.alive():
                ledgers[name] = get_json(gw.url + "/_sim/ledger", token=gw.info.get("token"))
        for path in stack.journals:
            if Path(path).exists():
                journal.extend(read_journal(path))
    finally:
        stack.stop()

    if not events.phases and not errors:
        errors.append(f"Locust ran no phase of '{profile.name}':\n{run.log_tail()}")
    for phase in events.phases:
        for answer in phase.control:
            if answer.get("status") != 200:
                errors.append(f"the proxy at {answer['url']} refused the rules of phase '{phase.name}': "
                              f"{answer.get('error') or answer.get('status')}")
    metrics = metrics_mod.compute(events, journal, ledgers, states)
    metrics["shop_gateways"] = target.shop.gateways   # a one-gateway shop has no backup to try
    failures = _user_failures(events, run.log_tail(6000))
    # What Locust really ran: with --web, the start form's users and run time (filled in with ours).
    users = events.run.get("users") or opts.users
    duration_s = events.run.get("duration_s") or opts.duration_s
    report = {
        "run": {"profile": profile.name, "summary": profile.summary, "target": target.path, "flow": target.flow, "dialect": target.dialect_of,
                "users": users,
                "duration_s": duration_s, "workers": opts.workers, "proxies": len(stack.proxies),
                "web": opts.web, "interrupted": interrupted and events.ended_at is None,   # Ctrl-C mid-run
                "threshold": profile.threshold if opts.min_score is None else opts.min_score,
                "started_at": started, "ended_at": time.time(), "report_dir": str(out)},
        "metrics": metrics,
        "verdict": verdict.judge(metrics, events.checkouts, suite_scoring.score_phases(
            profile.name, profile.threshold, events, journal, ledgers, states, opts.locale, flow=target.flow),
            inconclusive=flows.unobserved(target.flow, events.checkouts)
            + verdict.unreached_faults(events.phases, journal, set(target.dialect_of.values()))),
        "series": series.build(events, journal),
        "locust": _locust_stats(run.json_file),
        "errors": errors,
        "failures": failures,
    }
    # The time the phases actually ran (less than duration_s after a Ctrl-C): first phase to the end.
    first = events.phases[0].start if events.phases else None
    last = events.ended_at or stopped_at or time.time()
    report["run"]["ran_s"] = None if first is None else round(max(last - first, 0.0), 1)
    report["verdict"]["threshold"] = report["run"]["threshold"]
    total = report["verdict"]["score"]["total"]
    report["verdict"]["passed"] = (not failures and not report["verdict"]["inconclusive"] and total is not None
                                   and total >= report["run"]["threshold"])
    report_json.write(out / "report.json", report)
    report_html.write(out / "report.html", report)
    if errors:
        raise LoadFailed("; ".join(e.splitlines()[0] for e in errors) + f" (partial report in {out})")
    return report


def _watch(run, stack, opts: LoadOptions, *, progress: Progress | None = None,
           say=print) -> tuple[list[str], bool]:
    """Wait for Locust while watching the merchant and the workers. Returns (errors, interrupted)."""
    deadline = (time.monotonic() + opts.duration_s + STOP_TIMEOUT_S + 30
                + WORKER_WAIT_S * (10 if opts.remote_workers else 1))
    try:
        while run.running():
            dead = stack.dead_merchant()
            if dead is not None:
                return [dead.describe_death()], False
            if not opts.web and time.monotonic() > deadline:
                return [f"Locust did not finish within {opts.duration_s:g}s plus grace; stopped it"], False
            dead_worker = next((w for w in run.workers if w.poll() not in (None, 0)), None)
            if dead_worker is not None:
                return [f"a Locust worker exited with status {dead_worker.returncode} mid-run"], False
            run.wait(0.25)
            line = progress.due() if progress is not None else None
            if line:
                say(line)
    except KeyboardInterrupt:
        if not opts.web:
            return ["interrupted"], True
        print("", file=sys.stderr)
        return [], True
    return [], False


def _wait_for_ui(run, timeout_s: float = 30.0) -> None:
    """Announce the UI's URL only once it answers (or Locust has given up)."""
    deadline = time.monotonic() + timeout_s
    while run.running() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(run.web_url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)


def _user_failures(events, log: str) -> list[str]:
    """What makes a load run a failure whatever its score: no checkout at all, or users that crashed
    (their tracebacks in Locust's log), shown with the users' own errors."""
    crashes = [line.strip() for line in log.splitlines()
               if line.strip() and ("Traceback" in line or line.lstrip().startswith(("Error", "Exception"))
                                    or "Error:" in line)]
    out = []
    if not events.checkouts:
        out.append("no checkout was recorded in any phase: the Locust users never completed one"
                   + (": " + "; ".join(dict.fromkeys(crashes[-3:])) if crashes else ""))
    elif crashes:
        out.append("Locust users crashed during the run: " + "; ".join(dict.fromkeys(crashes[-3:])))
    return out


def _locust_stats(path: Path | None) -> dict | None:
    """Locust's own count of checkouts (a cross-check of the merged records): each phase's are under
    their own request name, `checkout [PHASE]` (plain `checkout` outside any phase)."""
    if path is None or not path.exists():
        return None
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    by_name = {e["name"]: {"num_requests": e.get("num_requests") or 0, "num_failures": e.get("num_failures") or 0}
               for e in entries if isinstance(e, dict) and _is_checkout(e.get("name"))}
    if not by_name:
        return None
    return {"num_requests": sum(v["num_requests"] for v in by_name.values()),
            "num_failures": sum(v["num_failures"] for v in by_name.values()), "by_name": by_name}


def _is_checkout(name) -> bool:
    return isinstance(name, str) and (name == "checkout" or (name.startswith("checkout [") and name.endswith("]")))
