"""Where the paychaos proxy spends CPU per payment POST that bare mitmdump does not: both run under a
sampling profiler on their own CPU time, both loaded by wrk with bench_proxy's payment POST at once,
then their samples are compared per request.

    .venv/bin/python bench/profile_proxy.py [--seconds 20] [--connections 20] [--top 25] [--get]

The profiler (SAMPLER below) is a CPU-time interval timer (ITIMER_PROF) whose signal records the Python
stack: waiting for the core does not count, and it costs little, so the proxy runs nearly as fast as
without it (cProfile slows every Python call several times, the addon's many small ones most).
The kernel fires it at its tick (every 4 ms of CPU here, whatever --interval-ms asks), so a sample
stands for the process's CPU time (from /proc) divided by its samples. Prints CPU per request of
each, the part spent in paychaos's own code (the hooks and what they call), and the functions whose
time per request differs most. Figures from a few hundred samples carry a few percent of noise:
run it for long enough (--seconds), more than once. Needs `wrk`. Everything binds 127.0.0.1 port 0;
all processes are stopped at the end.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import signal
import sys
import tempfile
import textwrap
import time

from bench_proxy import IDLE_RULES, POST_LUA, READY_ADDON, UPSTREAM, wrk_together

from paychaos.common.procs import start_service
from paychaos.proxies.testing import set_rules

# Runs a module or script with a sampling profiler on the process's CPU time (setitimer ITIMER_PROF):
# SIGRTMIN+3 starts it, SIGRTMIN+4 stops it and writes the stacks it saw, so start-up is not in the
# profile. Python runs a signal handler between two bytecodes of the main thread, so time spent in C
# (a system call, the cyclic GC) lands on the Python frame that called it; GC passes are marked by a
# gc callback (their time shows under `[gc]`, since the handler runs in the callback once the pass ends).
SAMPLER = textwrap.dedent("""
    import collections, gc, os, runpy, signal, sys
    out, interval, kind, target, *args = sys.argv[1:]
    sys.argv = [target, *args]
    interval = float(interval)
    counts = collections.Counter()
    def sample(_sig, frame):
        stack = []
        while frame is not None:
            stack.append(frame.f_code)
            frame = frame.f_back
        counts[tuple(stack)] += 1
    def _gc_pass(phase, info):
        pass
    def start(*_):
        counts.clear()
        gc.callbacks.append(_gc_pass)
        signal.signal(signal.SIGPROF, sample)
        signal.setitimer(signal.ITIMER_PROF, interval, interval)
    def stop(*_):
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        gc.callbacks.remove(_gc_pass)
        with open(out + ".part", "w") as fh:
            for stack, n in counts.items():
                names = ["[gc]" if c is _gc_pass.__code__ else f"{c.co_qualname} ({c.co_filename}:{c.co_firstlineno})"
                         for c in reversed(stack)]
                fh.write(";".join(names) + f" {n}\\n")
        os.replace(out + ".part", out)
    signal.signal(signal.SIGRTMIN + 3, start)
    signal.signal(signal.SIGRTMIN + 4, stop)
    if kind == "-m":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(target, run_name="__main__")
""")

def load(path: str) -> list[tuple[list[str], int]]:
    out = []
    with open(path) as fh:
        for text in fh:
            stack, _, n = text.rstrip("\n").rpartition(" ")
            out.append((stack.split(";"), int(n)))
    return out


def short(frame: str) -> str:
    name, _, where = frame.partition(" (")
    for marker in ("site-packages/", "/wt/perf/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where}" if where else name


def inclusive(samples) -> collections.Counter:
    c = collections.Counter()
    for stack, n in samples:
        for frame in set(stack):
            c[short(frame)] += n
    return c


def leaf(samples) -> collections.Counter:
    c = collections.Counter()
    for stack, n in samples:
        c[short(stack[-1])] += n
    return c


def in_paychaos(samples) -> int:
    """Samples inside paychaos's own code run by mitmproxy (its hooks and what they call), not counting
    the frames every sample of `paychaos proxy` has (the CLI, proxies/server.py)."""
    def ours(frame: str) -> bool:
        return ("/proxies/" in frame or "/simulator/" in frame) and not (
            "/simulator/cli/" in frame or "/proxies/server.py" in frame)
    return sum(n for stack, n in samples if any(map(ours, stack)))


def table(title: str, cb: collections.Counter, ca: collections.Counter, nb: float, na: float, top: int) -> None:
    """`nb`, `na`: requests divided by the CPU us one sample stands for, so samples / n = us per request."""
    print(f"\n{title}: CPU us per request, bare / paychaos / difference, the {top} largest differences")
    for f in sorted(set(cb) | set(ca), key=lambda f: -abs(ca[f] / na - cb[f] / nb))[:top]:
        print(f"{cb[f] / nb:8.1f} {ca[f] / na:8.1f} {ca[f] / na - cb[f] / nb:+8.1f}  {f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--get", action="store_true", help="GETs instead of payment POSTs")
    ap.add_argument("--interval-ms", type=float, default=1.0, help="CPU time between two samples")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("profile_proxy: needs wrk (apt-get install -y wrk)")
    tmp = tempfile.mkdtemp(prefix="paychaos-profile-")
    wrapper, ready, post_lua = (os.path.join(tmp, n) for n in ("sampler.py", "ready.py", "post.lua"))
    for path, text in ((wrapper, SAMPLER), (ready, READY_ADDON), (post_lua, POST_LUA)):
        with open(path, "w") as fh:
            fh.write(text)
    bare_out, addon_out = os.path.join(tmp, "bare.stacks"), os.path.join(tmp, "paychaos.stacks")
    mitmdump = os.path.join(os.path.dirname(sys.executable), "mitmdump")
    target, script = ("/v1/payment_intents/pi_1", None) if args.get else ("/v1/payment_intents", post_lua)
    interval = args.interval_ms / 1000
    with start_service("upstream", [sys.executable, "-c", UPSTREAM]) as up:
        bare_argv = [sys.executable, wrapper, bare_out, str(interval), "-s", mitmdump, "-q", "-s", ready,
                     "--mode", f"reverse:{up.url}@127.0.0.1:0", "--set", "connection_strategy=lazy"]
        addon_argv = [sys.executable, wrapper, addon_out, str(interval), "-m", "paychaos.cli", "proxy",
                      "--upstream", f"primary={up.url}", "--journal", os.path.join(tmp, "j.jsonl")]
        with start_service("mitmdump", bare_argv, timeout=60) as md, \
                start_service("proxy", addon_argv, timeout=60) as px:
            set_rules(px.info["control"], IDLE_RULES, scenario="bench-idle")
            targets = [(md.url + target, md.proc.pid), (px.url + target, px.proc.pid)]
            wrk_together(targets, args.connections, 2, script)   # warm-up: connections, caches
            for _, pid in targets:
                os.kill(pid, signal.SIGRTMIN + 3)
            bare, addon = wrk_together(targets, args.connections, args.seconds, script)
            for _, pid in targets:
                os.kill(pid, signal.SIGRTMIN + 4)
            deadline = time.monotonic() + 60
            while not (os.path.exists(bare_out) and os.path.exists(addon_out)):
                if time.monotonic() > deadline:
                    sys.exit("profile_proxy: the profiles were not written within 60 s")
                time.sleep(0.2)
    sb, sa = load(bare_out), load(addon_out)
    nb, na = bare["requests"], addon["requests"]
    tb, ta = sum(n for _, n in sb), sum(n for _, n in sa)
    if not (tb and ta):
        sys.exit("profile_proxy: no samples; run longer (--seconds)")
    # CPU us per sample, per process: the kernel's tick decides how often the timer fires
    ub, ua = bare["cpu_s"] * 1e6 / tb, addon["cpu_s"] * 1e6 / ta
    kind = "GET" if args.get else "payment POST"
    own = in_paychaos(sa)
    print(f"{kind}, {args.seconds} s, {args.connections} connections each, both at once; CPU time sampled:")
    print(f"  bare mitmdump:  {nb} requests, {tb} samples of {ub:.0f} us, {bare['cpu_us']:.0f} us CPU per request")
    print(f"  paychaos proxy: {na} requests, {ta} samples of {ua:.0f} us, {addon['cpu_us']:.0f} us CPU per request, "
          f"of which in paychaos's own code (the hooks and what they call) {own * ua / na:.0f} us "
          f"({own / ta * 100:.1f}% of its samples)")
    table("Inclusive (a function and what it calls)", inclusive(sb), inclusive(sa), nb / ub, na / ua, args.top)
    table("Own (the innermost Python frame)", leaf(sb), leaf(sa), nb / ub, na / ua, args.top)
    print(f"\nstacks (collapsed, one per line): {bare_out} {addon_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
