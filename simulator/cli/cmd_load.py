"""`paychaos load [PROFILE]`: Locust load with fault phases against a merchant, and its report."""

from __future__ import annotations

import argparse
import functools
import signal
import sys

from paychaos.cli import argtypes
from paychaos.common.extras import missing
from paychaos.scenario.model import LOCALES

MAX_USERS = 10_000          # Locust users on loopback machines; beyond this the load generator is measured
MAX_LOCAL_WORKERS = 64      # Locust worker processes on this machine
MAX_REMOTE_WORKERS = 1_000
MAX_PROXIES = 16
MAX_DURATION_S = 86_400     # a day
MAX_THINK_S = 3_600


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "load", help="load a merchant while the gateway degrades, phase by phase (Locust)",
        description="Drive Locust customers through the merchant while the proxy switches faults at each "
                    "phase of the profile; write report.json and report.html. Profiles: brownout (default), "
                    "steady, flash-sale, latency-storm, decline-wave, or a path to your own locustfile.")
    p.add_argument("profile", nargs="?", metavar="PROFILE", help="a built-in profile or a locustfile path")
    p.add_argument("--target", metavar="FILE", help="target file, or a built-in: resilient, naive "
                   "(default: the built-in resilient merchant)")
    p.add_argument("--users", type=argtypes.whole(1, MAX_USERS), default=10,
                   help=f"peak concurrent customers, 1-{MAX_USERS} (default 10)")
    p.add_argument("--duration", type=argtypes.number(0, MAX_DURATION_S, above=True, unit="seconds"), default=60.0,
                   metavar="S", help=f"run length in seconds, at most {MAX_DURATION_S} (default 60)")
    p.add_argument("--report-dir", default="paychaos-load", metavar="DIR", type=argtypes.writable_dir,
                   help="where report.json, report.html, journals and logs go (default ./paychaos-load)")
    p.add_argument("--web", action="store_true", help="open Locust's own web UI instead of running headless")
    p.add_argument("--workers", type=argtypes.whole(0, MAX_LOCAL_WORKERS), default=0, metavar="N",
                   help="run Locust distributed: a master and N workers on loopback "
                        f"(0, the default: one Locust process; at most {MAX_LOCAL_WORKERS})")
    p.add_argument("--expect-remote-workers", type=argtypes.whole(0, MAX_REMOTE_WORKERS), default=0, metavar="N",
                   help="also wait for N Locust workers from other machines (prints their command)")
    p.add_argument("--master-bind-host", default="127.0.0.1", metavar="HOST", type=argtypes.host,
                   help="interface the Locust master listens on for workers (0.0.0.0 for other machines)")
    p.add_argument("--master-port", type=argtypes.fixed_port, default=None, metavar="PORT",
                   help="port the Locust master listens on (default: any free one, printed)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST", type=argtypes.host,
                   help="allow a non-loopback merchant host in the target's base_url (repeatable)")
    p.add_argument("--proxies", type=argtypes.whole(1, MAX_PROXIES), default=1, metavar="N",
                   help="proxy processes (each with its own merchant instance) to spread the load (default 1)")
    p.add_argument("--min-score", type=argtypes.score, default=None, metavar="N",
                   help="exit 1 when the total score is below N (default: the profile's threshold)")
    p.add_argument("--think", type=argtypes.number(0, MAX_THINK_S, unit="seconds"), default=None, metavar="S",
                   help="seconds each customer waits between checkouts (default: the profile's; 0 = flat out)")
    p.add_argument("--locale", default="en_US", choices=LOCALES, help="customers' locale (en_US, zh_CN)")
    p.add_argument("--seed", type=argtypes.seed, default=1, help="seed for the proxy's fault dice and each customer's card and amount draws")
    p.set_defaults(func=run)


def _terminated(signum, frame):
    raise KeyboardInterrupt  # SIGTERM ends the run like Ctrl-C: everything stopped, the report written


def locust_missing() -> str | None:
    """Why `paychaos load` cannot run here, or None: Locust is an optional extra (`paychaos[load]`)."""
    return missing("load", "`paychaos load`")


def run(args: argparse.Namespace) -> int:
    missing = locust_missing()
    if missing:
        print(f"paychaos load: error: {missing}", file=sys.stderr)
        return 2
    from paychaos.load.orchestrate import LoadFailed, LoadOptions, run_load
    signal.signal(signal.SIGTERM, _terminated)
    opts = LoadOptions(profile=args.profile, target=args.target, users=args.users, duration_s=args.duration,
                       report_dir=args.report_dir, web=args.web, workers=args.workers, proxies=args.proxies,
                       min_score=args.min_score, seed=args.seed, locale=args.locale,
                       think_s=args.think, remote_workers=args.expect_remote_workers,
                       master_bind_host=args.master_bind_host, master_port=args.master_port,
                       allow_hosts=tuple(args.allow_host))
    try:
        # Flushed: with --web the UI's URL must show even when stdout is a pipe (`| tee`, CI logs).
        report = run_load(opts, say=functools.partial(print, flush=True))
    except LoadFailed as exc:
        print(f"paychaos load: error: {exc}", file=sys.stderr)
        return 2
    print(summary(report))
    for failure in report.get("failures") or []:
        print(f"paychaos load: FAILED: {failure}", file=sys.stderr)
    if report.get("failures"):
        return 1
    for reason in report["verdict"].get("inconclusive") or []:
        print(f"paychaos load: INCONCLUSIVE: {reason}", file=sys.stderr)
    total = report["verdict"]["score"]["total"]
    if report["verdict"].get("inconclusive"):
        print(f"paychaos load: INCONCLUSIVE: score {'-' if total is None else f'{total:g}'} not a verdict: the run "
              "could not observe what it judges (the reasons above)")
        return 1
    passed = total is not None and total >= report["run"]["threshold"]
    print(f"paychaos load: {'PASSED' if passed else 'FAILED'}: score {'-' if total is None else f'{total:g}'}, "
          f"required {report['run']['threshold']:g}")
    return 0 if passed else 1


def summary(report: dict) -> str:
    from paychaos.load.report_html import cut_short
    run = report["run"]
    ran = run.get("ran_s")
    length = (f"ran {ran or 0:g}s of {run['duration_s']:g}s (interrupted)" if cut_short(run)
              else f"{run['duration_s']:g}s")
    from paychaos.reporting.console import _clip, _wrap, terminal_width
    width = terminal_width()
    lines = _wrap(f"paychaos load {run['profile']}: {run['users']} users, {length}", width, "", "  ")
    for p in report["metrics"]["phases"]:
        rate = "-" if p["success_rate"] is None else f"{p['success_rate']:.0%}"
        p95 = p["latency_ms"]["p95"]
        p95 = "-" if p95 is None else f"{p95:.0f}ms"
        cpc = p["gateway_calls_per_checkout"]
        cpc = "-" if cpc is None else f"{cpc:.2f}"
        line = (f"  {p['name']:<22} {p['checkouts']:>6} checkouts  success {rate:>4}  p95 {p95:>7}  "
                f"calls/checkout {cpc}")
        if len(line) > width:   # a narrow terminal: the same figures, shorter labels, the name clipped
            tail = f" {p['checkouts']:>5} chk {rate:>4} p95 {p95:>6} calls {cpc}"
            line = "  " + _clip(p["name"], max(8, width - 2 - len(tail))).ljust(max(8, width - 2 - len(tail))) + tail
        lines.append(_clip(line, width))
    s = report["verdict"]["score"]
    lines.append(_clip("  score " + ", ".join(f"{k} {'-' if v is None else f'{v:g}'}" for k, v in s.items()), width))
    lines += what_to_fix_lines(report, width)
    lines.append(f"  report: {report['run']['report_dir']}/report.html")
    return "\n".join(lines)


FIX_ROWS = 5   # rules shown in the console; report.html has them all


def what_to_fix_lines(report: dict, width: int | None = None) -> list[str]:
    """The worst rules with their fix, as report.html's "What to fix", within the terminal's width."""
    from paychaos.load.report_html import what_to_fix
    from paychaos.reporting.console import _clip, _wrap, terminal_width
    width = width or terminal_width()
    rows = what_to_fix(report["verdict"].get("findings") or [])
    if not rows:
        return []
    more = f"; {len(rows) - FIX_ROWS} more in report.html" if len(rows) > FIX_ROWS else ""
    lines = [_clip(f"  what to fix ({len(rows)} rule(s), worst first{more}):", width)]
    for row in rows[:FIX_ROWS]:
        label = row["severity"].upper() if row["severity"] == "critical" else row["severity"]
        hits = f"{len(row['scenarios'])} phase(s)" + (f", {row['orders']} order(s)" if row["orders"] else "")
        lines.append(_clip(f"    {label:<8} {row['rule']}  {hits}", width))
        lines += _wrap(f"fix: {row['fix']}", width, " " * 13, " " * 18)
    return lines
