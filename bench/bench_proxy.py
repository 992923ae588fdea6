"""Proxy benchmark: throughput direct vs bare mitmdump vs the paychaos addon (realistic rules loaded,
none firing), injected-latency accuracy with 100 concurrent flows, and scaling over proxy processes.

The verdict on the addon's cost comes from a head-to-head: bare mitmdump and the addon loaded at the
same time, pinned to one shared core, so both meet the same machine; plus the addon's hooks timed in
process, which explains the difference.

    .venv/bin/python bench/bench_proxy.py [--duration 5] [--connections 20]

Needs `wrk` (apt-get install -y wrk). Everything binds 127.0.0.1 port 0; all processes are stopped
at the end. Figures go to docs/proxy.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

from paychaos.common.procs import start_service
from paychaos.proxies.testing import running_proxy, set_rules

UPSTREAM = textwrap.dedent("""
    from aiohttp import web
    from paychaos.common.procs import announce_ready
    BODY = b'{"object": "payment_intent", "id": "pi_1", "status": "succeeded"}'
    async def handle(request):
        await request.read()
        return web.Response(body=BODY, content_type="application/json")
    async def ready(app):
        port = app["site"]._server.sockets[0].getsockname()[1]
        announce_ready("upstream", url=f"http://127.0.0.1:{port}")
    async def main():
        app = web.Application(); app.router.add_route("*", "/{t:.*}", handle)
        runner = web.AppRunner(app, access_log=None); await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0); await site.start(); app["site"] = site
        await ready(app)
        import asyncio; await asyncio.Event().wait()
    import asyncio; asyncio.run(main())
""")

# Bare mitmdump gets the one start-up step the addon takes (gc.freeze(), see proxies/addon.py), so the
# comparison is of the addon's work per request, not of the collector's passes over mitmproxy's objects.
READY_ADDON = textwrap.dedent("""
    import gc
    from mitmproxy import ctx
    from paychaos.common.procs import announce_ready
    class Ready:
        def running(self):
            gc.freeze()
            host, port = ctx.master.addons.get("proxyserver").listen_addrs()[0][:2]
            announce_ready("mitmdump", url=f"http://127.0.0.1:{port}")
    addons = [Ready()]
""")

# A realistic rule set: what a scenario suite loads, matching nothing in this traffic.
IDLE_RULES = [
    {"fault": "http_error", "params": {"status": 503, "retry_after_s": 2}, "match": {"upstream": "backup"}},
    {"fault": "decline", "params": {"decline_code": "insufficient_funds"},
     "match": {"path": "/v1/payment_intents*", "metadata.order_id": "never-*"}},
    {"fault": "latency", "params": {"delay_ms": 2000}, "window": {"start_s": 3600}},
    {"fault": "reset", "match": {"method": "DELETE"}},
    {"fault": "rate_limit", "params": {"retry_after_s": 1}, "match": {"header.X-Never": "1"}},
    {"fault": "response_lost", "match": {"path": "/v1/refunds*"}},
    {"fault": "malformed", "params": {"mode": "garbage"}, "probability": 0.5, "match": {"currency": "jpy"}},
    {"fault": "webhook_duplicate", "params": {"copies": 2}},
]


# A payment as the stripe SDK sends it: form body with brackets, a key, an idempotency key per request.
POST_LUA = textwrap.dedent("""
    wrk.method = "POST"
    wrk.body = "amount=1299&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[order_id]=ord_1"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Authorization"] = "Bearer sk_test_bench"
    counter = 0
    request = function()
      counter = counter + 1
      wrk.headers["Idempotency-Key"] = "bench-" .. counter
      return wrk.format(nil, nil, nil, nil)
    end
""")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (Linux /proc)."""
    for text in open(f"/proc/{pid}/status"):
        if text.startswith("VmRSS:"):
            return int(text.split()[1]) / 1024
    return float("nan")


def count_lines(path: str) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of a process onto `cpus` (sched_setaffinity on a pid moves one thread only)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(tid), cpus)


def wrk(url: str, connections: int, duration: int, script: str | None = None, pid: int | None = None) -> dict:
    """One wrk run; with `pid`, also the CPU that process spent per request."""
    return wrk_together([(url, pid)], connections, duration, script)[0]


def wrk_together(targets: list[tuple[str, int | None]], connections: int, duration: int,
                 script: str | None = None) -> list[dict]:
    """One wrk process per (url, pid), all running at the same time for `duration` seconds; per target
    its req/s, latency, requests served and (with a pid) the CPU that process spent on them."""
    extra = ["-s", script] if script else []
    threads = "-t2" if len(targets) == 1 else "-t1"
    cpu0 = [cpu_seconds(pid) if pid else 0.0 for _, pid in targets]
    procs = [subprocess.Popen(["wrk", threads, f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
                              stdout=subprocess.PIPE, text=True) for url, _ in targets]
    outs = [p.communicate(timeout=duration + 60)[0] for p in procs]
    results = []
    for (_, pid), c0, out in zip(targets, cpu0, outs, strict=True):
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        lat = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        requests_done = int(re.search(r"(\d+) requests in", out).group(1))
        cpu_s = cpu_seconds(pid) - c0 if pid else None
        results.append({"rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"],
                        "non2xx": int(errors.group(1)) if errors else 0, "requests": requests_done,
                        "cpu_s": cpu_s, "cpu_us": cpu_s / max(requests_done, 1) * 1e6 if pid else None})
    return results


def flow_latencies(url: str, *, flows: int = 100, seconds: float = 8.0, pause_s: float = 0.0) -> list[float]:
    """`flows` concurrent flows, each on its own keep-alive connection, starts staggered over the
    first second, each sending requests one after another (with `pause_s` between them) for
    `seconds`. Latencies in ms. With the fault, 100 flows held for the delay are 100 flows in the
    proxy at once; the baseline paces the same flows to the same request rate without the fault."""
    import asyncio
    import random

    import aiohttp

    async def run() -> list[float]:
        out: list[float] = []
        stop = time.perf_counter() + seconds
        conn = aiohttp.TCPConnector(limit=flows)
        async with aiohttp.ClientSession(connector=conn) as session:
            async def flow(i: int) -> None:
                await asyncio.sleep(random.Random(i).random())
                while time.perf_counter() < stop:
                    t0 = time.perf_counter()
                    async with session.get(url) as resp:
                        await resp.read()
                    out.append((time.perf_counter() - t0) * 1000)
                    if pause_s:
                        await asyncio.sleep(pause_s)
            await asyncio.gather(*(flow(i) for i in range(flows)))
        return out[flows:]  # drop each flow's first request (connection set-up)
    return asyncio.run(run())


def head_to_head(bare: tuple[str, int], addon: tuple[str, int], *, upstream_pid: int, rounds: int,
                 seconds: int, connections: int, script: str | None = None) -> list[tuple[dict, dict]]:
    """Bare mitmdump and the addon loaded at the same time, each by its own wrk with `connections`
    connections, `rounds` times, with both proxies pinned to the same core (and everything else, wrk,
    the upstream and this script, to the other): the scheduler splits that core evenly between them,
    so the requests each serves measure its cost per request, under the very same conditions.
    (Taking turns instead left tens of percent of drift between the turns on this VM, and sharing
    both cores with the rest let one proxy land beside the upstream more often than the other.)"""
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("bench_proxy: the head-to-head needs two CPUs")
    everything = os.sched_getaffinity(0)
    proxy_core = {max(everything)}
    out = []
    try:
        os.sched_setaffinity(0, everything - proxy_core)   # this script, and the wrk processes it starts
        pin(upstream_pid, everything - proxy_core)
        pin(bare[1], proxy_core)
        pin(addon[1], proxy_core)
        for r in range(rounds):
            order = [bare, addon] if r % 2 == 0 else [addon, bare]  # who is started first alternates
            first, second = wrk_together(order, connections, seconds, script)
            out.append((first, second) if r % 2 == 0 else (second, first))
    finally:
        for pid in (upstream_pid, bare[1], addon[1]):
            pin(pid, everything)
        os.sched_setaffinity(0, everything)
    return out


def addon_cost_us(exchanges: int = 20000) -> float:
    """The addon's own work per exchange, in process: its requestheaders, request (with the Host put
    back, as in the proxy), responseheaders and response hooks on mitmproxy test flows shaped like the
    payment POST (8 idle rules, journal on), best of 3, CPU time. A tight loop keeps the addon's code
    and data in the CPU's caches, so this is a floor: in the proxy, between two requests, mitmproxy's
    own work evicts them (the profile, bench/profile_proxy.py, puts the hooks at several times this)."""
    import asyncio
    import gc

    from mitmproxy.proxy.mode_specs import ProxyMode
    from mitmproxy.test import taddons, tflow

    from paychaos.proxies import addon as proxy_defaults
    from paychaos.proxies.addon import PaychaosAddon
    from paychaos.proxies.rules import RuleSet, parse_rules

    mode = ProxyMode.parse("reverse:http://127.0.0.1:9@0")
    body = POST_LUA.split('wrk.body = "', 1)[1].split('"', 1)[0].encode()
    answer = http_response(UPSTREAM.split("BODY = b'", 1)[1].split("'", 1)[0].encode())

    def payment(i: int):
        flow = tflow.tflow(resp=False)
        flow.client_conn.proxy_mode = mode
        req = flow.request
        req.method, req.path, req.content = "POST", "/v1/payment_intents", body
        req.headers.clear()
        req.headers.update({"Host": "127.0.0.1:8080", "User-Agent": "wrk",
                            "Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(body)),
                            "Authorization": "Bearer sk_test_bench", "Idempotency-Key": f"bench-{i}"})
        return flow

    async def run() -> float:
        addon = PaychaosAddon()
        best = float("inf")
        with taddons.context(addon) as tctx, tempfile.TemporaryDirectory() as tmp:
            tctx.configure(addon, paychaos_journal=os.path.join(tmp, "j.jsonl"),
                           paychaos_client_timeout_s=proxy_defaults.CLIENT_TIMEOUT_S)
            addon.names = {mode.full_spec: "primary"}
            addon._host_header = {mode.full_spec: "127.0.0.1:9"}   # as running() sets it up
            addon.rules = RuleSet(parse_rules(IDLE_RULES, source="bench"), scenario="bench-idle")
            for _ in range(3):
                flows = [payment(i) for i in range(exchanges)]
                gc.freeze()
                t0 = time.process_time()
                for flow in flows:
                    addon.requestheaders(flow)
                    await addon.request(flow)
                    flow.response = answer
                    addon.responseheaders(flow)
                    await addon.response(flow)
                best = min(best, (time.process_time() - t0) / exchanges * 1e6)
                gc.unfreeze()
            addon.journal.close()
        return best

    return asyncio.run(run())


def http_response(body: bytes):
    from mitmproxy import http
    return http.Response.make(200, body, {"Content-Type": "application/json"})


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def line(label: str, r: dict) -> str:
    return f"| {label} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--delay-ms", type=float, default=200.0)
    ap.add_argument("--rounds", type=int, default=6, help="head-to-head bare/addon rounds")
    ap.add_argument("--round-s", type=int, default=4, help="seconds per head-to-head round")
    ap.add_argument("--accuracy-delay-ms", type=float, default=1000.0,
                    help="delay injected for the accuracy run (100 flows held at once)")
    ap.add_argument("--processes", type=int, default=2, help="most proxy processes in the scaling run")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench_proxy: needs wrk (apt-get install -y wrk)")
    tmp = tempfile.mkdtemp(prefix="paychaos-bench-")
    with open(os.path.join(tmp, "ready.py"), "w") as fh:
        fh.write(READY_ADDON)
    post_lua = os.path.join(tmp, "post.lua")
    with open(post_lua, "w") as fh:
        fh.write(POST_LUA)
    mitmdump = os.path.join(os.path.dirname(sys.executable), "mitmdump")
    rows = []
    with start_service("upstream", [sys.executable, "-c", UPSTREAM]) as up:
        path = "/v1/payment_intents/pi_1"
        rows.append(line("direct", wrk(up.url + path, args.connections, args.duration)))
        # Bare mitmdump and the addon: alone (the table), then head to head (the verdict).
        with start_service("mitmdump", [mitmdump, "-q", "-s", os.path.join(tmp, "ready.py"),
                                        "--mode", f"reverse:{up.url}@127.0.0.1:0",
                                        "--set", "connection_strategy=lazy"]) as md, \
                running_proxy({"primary": up.url}, journal=os.path.join(tmp, "j.jsonl")) as px:
            set_rules(px.info["control"], IDLE_RULES, scenario="bench-idle")
            md_pid, px_pid = md.proc.pid, px.proc.pid
            post = "/v1/payment_intents"
            idle = f"{len(IDLE_RULES)} idle rules, journal on"
            for kind, target, script in (("GET", path, None), ("payment POST", post, post_lua)):
                rows.append(line(f"bare mitmdump 11.0.2, {kind}",
                                 wrk(md.url + target, args.connections, args.duration, script)))
                rows.append(line(f"paychaos addon, {idle}, {kind}",
                                 wrk(px.url + target, args.connections, args.duration, script)))
            journal = os.path.join(tmp, "j.jsonl")
            memory = [(count_lines(journal), rss_mb(md_pid), rss_mb(px_pid))]
            pairs = head_to_head((md.url + path, md_pid), (px.url + path, px_pid), upstream_pid=up.proc.pid,
                                 rounds=args.rounds, seconds=args.round_s, connections=args.connections)
            post_pairs = head_to_head((md.url + post, md_pid), (px.url + post, px_pid), upstream_pid=up.proc.pid,
                                      rounds=args.rounds, seconds=args.round_s, connections=args.connections,
                                      script=post_lua)
            memory.append((count_lines(journal), rss_mb(md_pid), rss_mb(px_pid)))
            set_rules(px.info["control"], [{"fault": "latency", "params": {"delay_ms": args.delay_ms,
                                                                           "distribution": "fixed"}}])
            lat = wrk(px.url + path, 100, args.duration)
            rows.append(line(f"paychaos latency {args.delay_ms:g} ms, 100 connections (saturating)", lat))
            set_rules(px.info["control"], [{"fault": "latency", "params": {"delay_ms": args.accuracy_delay_ms,
                                                                           "distribution": "fixed"}}])
            with_delay = flow_latencies(px.url + path)
            set_rules(px.info["control"], [])
            baseline = flow_latencies(px.url + path, pause_s=args.accuracy_delay_ms / 1000)
        scaling = []
        for n in range(1, args.processes + 1):
            with ExitStackProxies(up.url, n, tmp) as urls:
                per = args.connections // n
                with ThreadPoolExecutor(n) as pool:
                    results = list(pool.map(wrk, [u + path for u in urls], [per] * n, [args.duration] * n))
            scaling.append((n, sum(r["rps"] for r in results)))
    print(f"Throughput and latency ({args.connections} connections, {args.duration} s each, wrk -t2, "
          "proxy and upstream on the same machine):\n")
    print("| setup | req/s | p50 ms | p99 ms |\n|---|---|---|---|")
    print("\n".join(rows) + "\n")
    print(f"Bare mitmdump vs the addon, head to head: both loaded at once ({args.connections} connections "
          f"each), {args.rounds} rounds of {args.round_s} s; totals over the rounds:")
    bare_cpu_us = {}
    for kind, runs in (("GET", pairs), ("payment POST", post_pairs)):
        ratios = sorted(a["requests"] / b["requests"] for b, a in runs)
        req_b, req_a = sum(b["requests"] for b, _ in runs), sum(a["requests"] for _, a in runs)
        cpu_b = bare_cpu_us[kind] = sum(b["cpu_s"] for b, _ in runs) / req_b * 1e6
        cpu_a = sum(a["cpu_s"] for _, a in runs) / req_a * 1e6
        print(f"  {kind}: requests served, addon / bare: {req_a / req_b * 100:.0f}% ({req_a} / {req_b}; "
              f"single rounds {ratios[0] * 100:.0f}%-{ratios[-1] * 100:.0f}%); proxy CPU per request: "
              f"bare {cpu_b:.0f} us, addon {cpu_a:.0f} us, so the addon keeps {cpu_b / cpu_a * 100:.0f}% of "
              "bare mitmdump's capacity")
    own, bare_post = addon_cost_us(), bare_cpu_us["payment POST"]
    print(f"  the addon's own hooks, timed in process on payment POSTs: {own:.0f} us per exchange of CPU in a tight "
          f"loop (caches warm: a floor; beside bare mitmdump's {bare_post:.0f} us per request it would be "
          f"{bare_post / (bare_post + own) * 100:.1f}% kept)")
    (n0, md0, px0), (n1, md1, px1) = memory
    print(f"memory over the head-to-head ({n1 - n0} more exchanges journaled, {n1} in all): paychaos proxy "
          f"{px0:.0f} -> {px1:.0f} MB RSS, bare mitmdump {md0:.0f} -> {md1:.0f} MB "
          f"(the journal streams to disk; nothing per exchange is kept)")
    over = [v - args.accuracy_delay_ms for v in with_delay]
    print(f"latency accuracy, {args.accuracy_delay_ms:g} ms injected into 100 concurrent flows "
          f"({len(over)} requests): observed minus requested p50 {pct(over, 50):+.1f} ms, "
          f"p99 {pct(over, 99):+.1f} ms, max {max(over):+.1f} ms; the same flows at the same rate without "
          f"the fault (the proxy's own cost): p50 {pct(baseline, 50):.1f} ms, p99 {pct(baseline, 99):.1f} ms; "
          f"injected delay beyond that cost: p50 {pct(over, 50) - pct(baseline, 50):+.1f} ms, "
          f"p99 {pct(over, 99) - pct(baseline, 99):+.1f} ms")
    print("\nScaling over proxy processes (load split evenly):")
    for n, rps in scaling:
        print(f"  {n} process(es): {rps:.0f} req/s")
    return 0


class ExitStackProxies:
    """n paychaos proxy processes in front of the same upstream."""

    def __init__(self, upstream: str, n: int, tmp: str):
        self.upstream, self.n, self.tmp = upstream, n, tmp
        self._cms = []

    def __enter__(self) -> list[str]:
        urls = []
        for i in range(self.n):
            cm = running_proxy({"primary": self.upstream}, journal=os.path.join(self.tmp, f"s{i}-{time.time()}.jsonl"))
            urls.append(cm.__enter__().url)
            self._cms.append(cm)
        return urls

    def __exit__(self, *exc) -> None:
        for cm in reversed(self._cms):
            cm.__exit__(None, None, None)


if __name__ == "__main__":
    raise SystemExit(main())
