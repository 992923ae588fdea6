"""Benchmark: wall time of the built-in suite against the resilient merchant, with 1 and 2 workers,
side by side in one run. Target on a 2-core machine: at most 60 s.

    .venv/bin/python bench/bench_suite.py [--workers 1 2] [--target FILE]

Each run is a real `paychaos run` subprocess (gateways, proxy, merchant restarts, scoring, reports);
the reports go to a temporary directory. Prints the wall time, the verdict and the overall score.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_suite(workers: int, target: str | None) -> dict:
    report_dir = Path(tempfile.mkdtemp(prefix=f"paychaos-bench-suite-{workers}-"))
    argv = [sys.executable, "-P", "-m", "paychaos.cli", "run", "-n", str(workers), "--report-dir", str(report_dir)]
    if target:
        argv += ["--target", target]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    report = json.loads((report_dir / "report.json").read_text()) if (report_dir / "report.json").exists() else {}
    return {"workers": workers, "wall_s": wall, "exit": proc.returncode,
            "scenarios": len(report.get("scenarios", [])), "total": report.get("total")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--target", default=None, help="target file (default: the built-in resilient merchant)")
    args = ap.parse_args()
    print("built-in suite, `paychaos run -n N` (wall time includes start-up, every merchant restart, "
          "scoring and the three reports):")
    for workers in args.workers:
        r = run_suite(workers, args.target)
        total = f"{r['total']:.1f}" if isinstance(r["total"], (int, float)) else "-"
        print(f"  -n {workers}: {r['wall_s']:5.1f} s for {r['scenarios']} scenarios, exit {r['exit']}, "
              f"overall score {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
