"""Benchmark: what each hostile scenario or target file costs a real `paychaos run`.

    .venv/bin/python bench/bench_hostile.py [--limit-mb 2048] [--timeout-s 60]

Runs every file of tests/hostile/ (scenarios as `paychaos run FILE`, targets as
`paychaos run GOOD --target FILE`), plus a file just over the size cap, each in its own process,
and prints the slowest wall time and the largest peak RSS (from wait4) with the files that set
them, and how many runs did not exit 2 or printed a traceback. Target: every file under 2 s and
200 MB. Each child runs under an address-space limit so a regression cannot take the machine down.
Not a test (no wall-clock assertions in tests): it takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "hostile"
GOOD = "name: good\ncause: healthy\ncustomers: {count: 1}\nfaults: []\n"


def run_one(argv: list[str], cwd: str, limit_mb: int, timeout_s: float) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit status, stderr) of one `paychaos` process."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-P", "-m", "paychaos.cli", *argv], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=limit)
    deadline = start + timeout_s
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit-mb", type=int, default=2048, help="address-space limit per child (default 2048)")
    ap.add_argument("--timeout-s", type=float, default=60.0, help="kill a child after this long (default 60)")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="paychaos-bench-hostile-") as tmp:
        good = Path(tmp) / "good.yaml"
        good.write_text(GOOD)
        oversize = Path(tmp) / "scenarios" / "oversize.yaml"
        oversize.parent.mkdir()
        oversize.write_text("name: big\ncause: healthy\ndescription: " + "x" * (300 * 1024) + "\n")
        files = sorted(CORPUS.glob("scenarios/*.yaml")) + sorted(CORPUS.glob("targets/*.yaml")) + [oversize]
        baseline = run_one(["run", "--help"], tmp, opts.limit_mb, opts.timeout_s)
        results = []
        for path in files:
            argv = (["run", str(good), "--target", str(path)] if path.parent.name == "targets"
                    else ["run", str(path)])
            wall, rss, code, err = run_one(argv, tmp, opts.limit_mb, opts.timeout_s)
            results.append((path, wall, rss, code, "Traceback" in err))
    slow = max(results, key=lambda r: r[1])
    big = max(results, key=lambda r: r[2])
    wrong = [r for r in results if r[3] != 2 or r[4]]
    name = lambda p: f"{p.parent.name}/{p.name}"  # noqa: E731
    print(f"hostile files: {len(results)} through `paychaos run` (baseline `paychaos run --help`: "
          f"{baseline[0]:.2f} s, {baseline[1]:.0f} MB)")
    print(f"  wall time: median {statistics.median(r[1] for r in results):.2f} s, "
          f"slowest {slow[1]:.2f} s ({name(slow[0])})")
    print(f"  peak RSS:  median {statistics.median(r[2] for r in results):.0f} MB, "
          f"largest {big[2]:.0f} MB ({name(big[0])})")
    print(f"  not exit 2 or with a traceback: {len(wrong)}"
          + "".join(f"\n    {name(r[0])}: exit {r[3]}{', traceback' if r[4] else ''}" for r in wrong))
    target_met = slow[1] < 2 and big[2] < 200 and not wrong
    print(f"  target (every file under 2 s and 200 MB, exit 2, no traceback): {'met' if target_met else 'NOT met'}")
    return 0 if target_met else 1


if __name__ == "__main__":
    sys.exit(main())
