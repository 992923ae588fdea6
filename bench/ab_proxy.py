"""The paychaos proxy of another commit against this checkout's, with bare mitmdump beside both: all three
loaded at once by their own wrk, pinned to one shared core, rounds taking turns at who starts first.
Tells a change of code from a change of machine (this VM's speed swings by a third within minutes).

    .venv/bin/python bench/ab_proxy.py --baseline COMMIT [--rounds 10] [--round-s 6] [--get]

COMMIT is exported with `git archive` into a temporary folder laid out as the `paychaos` package
(simulator/ as paychaos, proxies/ as paychaos.proxies, scenarios/ as paychaos.scenarios), so it must
be from after that layout (commit e35f68a or later). Both proxies get bench_proxy's 8 idle rules and a
journal. Prints, per proxy, the requests served and the CPU per request, each as a share of bare
mitmdump's. Needs `wrk`. Everything binds 127.0.0.1 port 0; all processes are stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

from bench_proxy import IDLE_RULES, POST_LUA, READY_ADDON, UPSTREAM, pin, wrk_together

from paychaos.common.procs import start_service
from paychaos.proxies.testing import set_rules

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYOUT = (("simulator", "paychaos"), ("proxies", "paychaos/proxies"), ("scenarios", "paychaos/scenarios"))


def export(commit: str, dest: str) -> str:
    """The commit's sources as an importable `paychaos` package under dest; returns dest."""
    data = subprocess.run(["git", "-C", REPO, "archive", commit, *(src for src, _ in LAYOUT)],
                          capture_output=True, check=False)
    if data.returncode != 0:
        sys.exit(f"ab_proxy: git archive {commit}: {data.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(data.stdout)) as tar:
        tar.extractall(os.path.join(dest, "src"), filter="data")
    for src, target in LAYOUT:
        shutil.copytree(os.path.join(dest, "src", src), os.path.join(dest, target))
    return dest


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="paychaos-ab-")
    try:
        return run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: str) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="commit to compare with this checkout")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--round-s", type=int, default=6)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--get", action="store_true", help="GETs instead of payment POSTs")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("ab_proxy: needs wrk (apt-get install -y wrk)")
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("ab_proxy: needs two CPUs")
    baseline = export(args.baseline, os.path.join(tmp, "baseline"))
    with open(os.path.join(tmp, "ready.py"), "w") as fh:
        fh.write(READY_ADDON)
    post_lua = os.path.join(tmp, "post.lua")
    with open(post_lua, "w") as fh:
        fh.write(POST_LUA)
    target, script = ("/v1/payment_intents/pi_1", None) if args.get else ("/v1/payment_intents", post_lua)
    mitmdump = os.path.join(os.path.dirname(sys.executable), "mitmdump")
    everything = os.sched_getaffinity(0)
    core = {max(everything)}
    with start_service("upstream", [sys.executable, "-c", UPSTREAM]) as up, contextlib.ExitStack() as stack:
        names = ["bare mitmdump", f"paychaos {args.baseline}", "paychaos (this checkout)"]
        services = [stack.enter_context(start_service("mitmdump", [
            mitmdump, "-q", "-s", os.path.join(tmp, "ready.py"), "--mode", f"reverse:{up.url}@127.0.0.1:0",
            "--set", "connection_strategy=lazy"]))]
        for i, path in enumerate((baseline, None)):
            env = {**os.environ, "PYTHONPATH": path} if path else None
            argv = [sys.executable, "-m", "paychaos.cli", "proxy", "--upstream", f"primary={up.url}",
                    "--journal", os.path.join(tmp, f"journal{i}.jsonl")]
            px = stack.enter_context(start_service("proxy", argv, env=env, cwd=tmp))
            set_rules(px.info["control"], IDLE_RULES, scenario="bench-idle")
            services.append(px)
        targets = [(svc.url + target, svc.proc.pid) for svc in services]
        totals = [[0, 0.0] for _ in services]
        try:
            os.sched_setaffinity(0, everything - core)   # this script and its wrk processes
            pin(up.proc.pid, everything - core)
            for svc in services:
                pin(svc.proc.pid, core)
            for r in range(args.rounds):
                k = r % len(targets)   # who is started first takes turns
                results = wrk_together(targets[k:] + targets[:k], args.connections, args.round_s, script)
                results = results[len(targets) - k:] + results[:len(targets) - k]
                for total, result in zip(totals, results, strict=True):
                    total[0] += result["requests"]
                    total[1] += result["cpu_s"]
        finally:
            os.sched_setaffinity(0, everything)
    kind = "GET" if args.get else "payment POST"
    print(f"{kind}, {args.rounds} rounds of {args.round_s} s, {args.connections} connections each, "
          "all on one shared core:")
    (bare_req, bare_cpu) = totals[0]
    for name, (req, cpu) in zip(names, totals, strict=True):
        print(f"  {name}: {req} requests served ({req / bare_req * 100:.1f}% of bare), "
              f"{cpu / req * 1e6:.0f} us CPU per request (keeps {bare_cpu / bare_req / (cpu / req) * 100:.1f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
