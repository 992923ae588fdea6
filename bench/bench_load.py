"""Benchmark: end-to-end checkouts per second in a healthy phase, through merchant, proxy and
gateway, with one and with two proxy processes, and where the bottleneck is.

    .venv/bin/python bench/bench_load.py [--seconds 10] [--users 20] [--json bench-load.json]

Measures, each for --seconds with --users Locust users that never pause:
  1. gateway alone:       POST /v1/payment_intents (confirm=true) straight to the fake gateway
  2. bare mitmdump:       the same call through plain `mitmdump --mode reverse` (no addon)
  3. paychaos proxy:      the same call through `paychaos proxy` (addon, journal, no rules)
  4. merchant, no proxy:  checkouts through the resilient merchant talking to the gateway directly
  5. end to end, 1 proxy: `paychaos load steady --think 0` (merchant -> proxy -> gateway)
  6. end to end, 2 proxies: the same with --proxies 2 (a merchant behind each proxy)
Every process shares this machine's cores with the load generator: figures are relative.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from paychaos.common.ports import free_port
from paychaos.common.procs import paychaos_argv, start_service, stop_process_group
from paychaos.load.orchestrate import LoadOptions, run_load

RAW_LOCUSTFILE = textwrap.dedent('''
    from locust import FastHttpUser, constant, task

    class Pay(FastHttpUser):
        wait_time = constant(0)

        @task
        def pay(self):
            self.client.post("/v1/payment_intents", name="pay",
                             data="amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true",
                             headers={"Authorization": "Bearer sk_test_paychaos",
                                      "Content-Type": "application/x-www-form-urlencoded"})
''')


def raw_rate(url: str, seconds: float, users: int, workdir: Path) -> dict:
    """Payment calls/s a Locust FastHttpUser crowd gets from `url`."""
    locustfile = workdir / "raw_pay.py"
    locustfile.write_text(RAW_LOCUSTFILE)
    stem = workdir / f"raw-{int(time.time() * 1000)}"
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", url, "-u", str(users),
         "-r", str(users), "-t", f"{seconds:g}s", "--only-summary", "--json-file", str(stem), "--loglevel", "ERROR",
         "--exit-code-on-error", "0"], capture_output=True, text=True, timeout=seconds + 60)
    stats = next(e for e in json.loads(stem.with_suffix(".json").read_text()) if e["name"] == "pay")
    elapsed = max(stats["last_request_timestamp"] - stats["start_time"], 1e-6)
    times = sorted(int(k) for k, n in stats["response_times"].items() for _ in range(n))
    return {"requests_per_s": round(stats["num_requests"] / elapsed, 1), "failures": stats["num_failures"],
            "p50_ms": times[len(times) // 2] if times else None, "requests": stats["num_requests"],
            "locust_rc": done.returncode}


def checkout_rate(report: dict) -> dict:
    phase = report["metrics"]["phases"][0]
    return {"checkouts_per_s": round(phase["checkouts"] / phase["duration_s"], 1), "checkouts": phase["checkouts"],
            "success_rate": phase["success_rate"], "p50_ms": phase["latency_ms"]["p50"],
            "p95_ms": phase["latency_ms"]["p95"], "gateway_calls_per_checkout": phase["gateway_calls_per_checkout"]}


class CpuSampler:
    """CPU seconds used by each child process of this one (the stack and Locust), sampled twice a
    second, so the CPU cost per checkout of each part can be read for the measured phase only."""

    CLASSES = (("locust", "locust"), ("proxy", "paychaos.cli proxy"), ("gateway", "paychaos.cli gateway"),
               ("merchant", "paychaos.cli merchant"))

    def __init__(self):
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        known: dict[int, tuple[str, float]] = {}
        while not self._stop.wait(0.5):
            me = str(os.getpid())
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                    cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                if stat[1] != me:   # ppid
                    continue
                kind = next((k for k, needle in self.CLASSES if needle in cmd), None)
                if kind:
                    known[int(proc.name)] = (kind, (int(stat[11]) + int(stat[12])) / self._tick)
            totals: dict[str, float] = {}
            for kind, cpu in known.values():
                totals[kind] = totals.get(kind, 0.0) + cpu
            self.samples.append((time.time(), totals))

    def between(self, start: float, end: float) -> dict[str, float]:
        def at(t):
            return min(self.samples, key=lambda s: abs(s[0] - t))[1] if self.samples else {}
        a, b = at(start), at(end)
        return {k: round(b.get(k, 0.0) - a.get(k, 0.0), 2) for k in b}


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--json", default=None, help="also write the figures to this file")
    args = ap.parse_args()
    out: dict = {"seconds": args.seconds, "users": args.users, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="paychaos-bench-") as tmp:
        work = Path(tmp)
        gateway = start_service("gateway", paychaos_argv("gateway", "--port", "0"))
        try:
            out["gateway_alone"] = raw_rate(gateway.url, args.seconds, args.users, work)
            port = free_port()
            mitm = subprocess.Popen(["mitmdump", "-q", "--mode", f"reverse:{gateway.url}@127.0.0.1:{port}",
                                     "--set", "connection_strategy=lazy", "--set", f"confdir={work / 'mitm'}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                    executable=str(Path(sys.executable).with_name("mitmdump")))
            try:
                _wait_port(port)
                out["bare_mitmdump"] = raw_rate(f"http://127.0.0.1:{port}", args.seconds, args.users, work)
            finally:
                stop_process_group(mitm)
            with start_service("proxy", paychaos_argv("proxy", "--port", "0", "--upstream", f"primary={gateway.url}",
                                                      "--journal", str(work / "bench-journal.jsonl"))) as proxy:
                out["paychaos_proxy"] = raw_rate(proxy.url, args.seconds, args.users, work)
            with start_service("merchant", paychaos_argv("merchant", "resilient", "--port", "0",
                                                         "--gateway-url", gateway.url)) as merchant:
                target = work / "direct.yaml"
                target.write_text(textwrap.dedent(f"""\
                    name: resilient-direct
                    base_url: "{merchant.url}"
                    checkout:
                      path: /checkout
                      json: {{order_id: "{{order.id}}", amount: "{{order.amount}}", currency: "{{order.currency}}",
                             payment_method: "{{payment.token}}", customer: {{name: "{{customer.name}}"}}}}
                      outcome: {{status: "$.status", message: "$.message"}}
                    """))
                report = run_load(LoadOptions("steady", target=str(target), users=args.users,
                                              duration_s=args.seconds, think_s=0, report_dir=str(work / "direct")),
                                  say=lambda *_: None)
                out["merchant_no_proxy"] = checkout_rate(report)
                out["merchant_no_proxy"]["gateway_calls_per_checkout"] = None  # the proxy saw none
        finally:
            gateway.stop()
        for n in (1, 2):
            with CpuSampler() as cpu:
                report = run_load(LoadOptions("steady", users=args.users, duration_s=args.seconds, think_s=0,
                                              proxies=n, report_dir=str(work / f"e2e-{n}")), say=lambda *_: None)
            fig = out[f"end_to_end_{n}_proxy"] = checkout_rate(report)
            phase = report["metrics"]["phases"][0]
            used = cpu.between(phase["start"], phase["end"])
            fig["cpu_s"] = used
            fig["cpu_ms_per_checkout"] = {k: round(1000 * v / max(phase["checkouts"], 1), 2) for k, v in used.items()}
            fig["cores_busy"] = round(sum(used.values()) / phase["duration_s"], 2)
    out["bottleneck"] = bottleneck(out)
    print(render(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


def bottleneck(out: dict) -> str:
    e2e = out["end_to_end_1_proxy"]
    cost = e2e["cpu_ms_per_checkout"]
    heaviest = max(cost, key=cost.get)
    per_checkout = sum(cost.values())
    cpu_line = ("Measured CPU per checkout (1 proxy): " + ", ".join(f"{k} {v:.1f} ms" for k, v in
                sorted(cost.items(), key=lambda kv: -kv[1])) + f"; {e2e['cores_busy']} of {out['cpus']} cores busy. "
                f"The heaviest part is the {heaviest}; {per_checkout:.1f} ms of CPU per checkout on "
                f"{out['cpus']} cores caps the machine near {1000 * out['cpus'] / per_checkout:.0f} checkouts/s. ")
    calls = e2e["gateway_calls_per_checkout"] or 1.0
    limits = {
        "the merchant (no proxy at all)": out["merchant_no_proxy"]["checkouts_per_s"],
        "the paychaos proxy": out["paychaos_proxy"]["requests_per_s"] / calls,
        "mitmproxy itself (bare mitmdump)": out["bare_mitmdump"]["requests_per_s"] / calls,
        "the gateway": out["gateway_alone"]["requests_per_s"] / calls,
    }
    name, limit = min(limits.items(), key=lambda kv: kv[1])
    return cpu_line + (f"{e2e['checkouts_per_s']} checkouts/s end to end with one proxy; at {calls:.2f} gateway calls per "
            f"checkout the tightest single ceiling (each measured alone) is {name} at {limit:.0f} checkouts/s "
            f"(ceilings: " + ", ".join(f"{k} {v:.0f}" for k, v in limits.items()) + ")")


def render(out: dict) -> str:
    rows = [("gateway alone", out["gateway_alone"], "requests_per_s", "calls/s"),
            ("bare mitmdump -> gateway", out["bare_mitmdump"], "requests_per_s", "calls/s"),
            ("paychaos proxy -> gateway", out["paychaos_proxy"], "requests_per_s", "calls/s"),
            ("merchant -> gateway (no proxy)", out["merchant_no_proxy"], "checkouts_per_s", "checkouts/s"),
            ("merchant -> 1 proxy -> gateway", out["end_to_end_1_proxy"], "checkouts_per_s", "checkouts/s"),
            ("2 merchants -> 2 proxies -> gateway", out["end_to_end_2_proxy"], "checkouts_per_s", "checkouts/s")]
    lines = [f"paychaos load benchmark: {out['users']} users, {out['seconds']:g}s each, {out['cpus']} CPUs"]
    for label, fig, key, unit in rows:
        extra = f"  p50 {fig.get('p50_ms')} ms"
        if fig.get("gateway_calls_per_checkout"):
            extra += f"  {fig['gateway_calls_per_checkout']:.2f} gateway calls/checkout"
        lines.append(f"  {label:<38} {fig[key]:>8} {unit}{extra}")
    lines.append("  bottleneck: " + out["bottleneck"])
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
