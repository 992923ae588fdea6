"""Benchmark: browser mode against API mode on the built-in suite, side by side in one run.
Target on a 2-core machine: browser mode in at most 3x the wall time of API mode.

    .venv/bin/python bench/bench_browser.py [--workers 2] [--scenarios scenarios/healthy-baseline.yaml ...]

The two modes drive the same shop server (Cedar's: a PaymentIntent and its client secret, webhooks):
- API mode: tests/shops/cedar/target.yaml, flow `client_secret` (the driver plays stripe.js over HTTP);
- browser mode: tests/shops/willow/target.yaml, flow `browser` (real headless Chromium opens Willow's
  checkout page, types the card into the stripe.js stand-in, clicks Pay, reads what the page shows).
Each is a real `paychaos run` subprocess (gateways, proxy, merchant restarts, scoring, reports), the
reports in a temporary directory. Prints wall times, the ratio, verdicts and Chromium's start-up time.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = (("API mode (cedar, client_secret)", "tests/shops/cedar/target.yaml"),
         ("browser mode (willow, Chromium)", "tests/shops/willow/target.yaml"))


def run(target: str, workers: int, scenarios: list[str]) -> dict:
    report_dir = Path(tempfile.mkdtemp(prefix="paychaos-bench-browser-"))
    argv = [sys.executable, "-m", "paychaos.cli", "run", "-n", str(workers), *scenarios, "--target", target,
            "--report-dir", str(report_dir)]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    path = report_dir / "report.json"
    report = json.loads(path.read_text()) if path.exists() else {}
    scs = report.get("scenarios", [])
    return {"wall_s": wall, "exit": proc.returncode, "scenarios": len(scs),
            "checkouts": sum(len(s.get("checkouts") or []) for s in scs),
            "passed": sum(1 for s in scs if s.get("passed")), "total": report.get("total"),
            "stderr": proc.stderr.strip().splitlines()[-1:] if proc.returncode not in (0, 1) else []}


def chromium_start_s() -> float | None:
    from paychaos.driver import cdp
    if cdp.find_chromium() is None:
        return None
    browser = cdp.Chromium().start()
    t0 = time.perf_counter()
    tab = browser.new_tab()
    tab_s = time.perf_counter() - t0
    tab.close()
    browser.close()
    print(f"  Chromium start-up {browser.started_s:.2f} s (process + DevTools pipe), new tab {tab_s:.2f} s")
    return browser.started_s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenarios", nargs="*", default=[], help="scenario files (default: the built-in suite)")
    args = ap.parse_args()
    print(f"built-in suite{' (' + str(len(args.scenarios)) + ' files)' if args.scenarios else ''}, "
          f"`paychaos run -n {args.workers}`, wall time with start-up, merchant restarts, scoring and reports:")
    if chromium_start_s() is None:
        print("  no Chromium on this machine: browser mode cannot run")
        return 1
    walls = []
    for label, target in MODES:
        r = run(target, args.workers, args.scenarios)
        walls.append(r["wall_s"])
        total = f"{r['total']:.1f}" if isinstance(r["total"], (int, float)) else "-"
        print(f"  {label:34s} {r['wall_s']:6.1f} s  {r['scenarios']} scenarios, {r['checkouts']} checkouts, "
              f"{r['passed']} passed, exit {r['exit']}, overall score {total} {' '.join(r['stderr'])}")
    print(f"  browser / API: {walls[1] / walls[0]:.2f}x (target: at most 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
