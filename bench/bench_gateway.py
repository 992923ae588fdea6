"""Benchmark: confirmed PaymentIntents per second through `paychaos gateway`.

    .venv/bin/python bench/bench_gateway.py [--payments 100000] [--concurrency 32]

Starts the gateway as its own process, drives it from a separate client process (N concurrent
keep-alive HTTP/1.1 connections on asyncio, each posting create+confirm with pm_card_visa and an order id),
and prints the overall rate plus the rate of the first and the last tenth of the payments (state
growth must not slow the gateway), and the server's CPU time per payment in both tenths (less
disturbed by other load on the machine than the rates). The same client then drives a bare aiohttp handler that only
reads the form body and answers a fixed JSON, for a ratio. Not a test: it takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paychaos.common.procs import announce_ready, paychaos_argv, start_service  # noqa: E402


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection posting payments back to back (a lean client, so the
    client process is not what limits the figure)."""

    def __init__(self, host: str, jobs, done: list, state: dict, finished: asyncio.Future):
        self.host, self.jobs, self.done, self.state, self.finished = host, jobs, done, state, finished
        self.buf = b""
        self.current = -1

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._send_next()

    def _send_next(self) -> None:
        i = next(self.jobs, None)
        if i is None:
            self.transport.close()
            if not self.finished.done():
                self.finished.set_result(None)
            return
        self.current = i
        body = f"amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true&metadata[order_id]=ord_{i}"
        self.transport.write(
            f"POST /v1/payment_intents HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer sk_test_bench\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode())

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buf[:end].lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15:head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None]) if at >= 0 else 0
        if len(self.buf) < end + 4 + length:
            return
        body = self.buf[end + 4:end + 4 + length]
        if self.buf[9:12] != b"200" or b'"succeeded"' not in body:
            self.state["failures"] += 1
        self.buf = self.buf[end + 4 + length:]
        self.done[self.current] = time.perf_counter()
        self.state["completed"] += 1
        if self.state["completed"] in self.state["marks"]:
            self.state["cpu"][self.state["completed"]] = cpu_seconds(self.state["pid"]) if self.state["pid"] else 0.0
        self._send_next()

    def connection_lost(self, exc) -> None:
        if not self.finished.done():
            self.finished.set_exception(ConnectionError(f"connection lost: {exc}"))


async def drive(url: str, payments: int, concurrency: int, server_pid: int = 0) -> dict:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    done = [0.0] * payments
    jobs = iter(range(payments))
    tenth = payments // 10
    state = {"failures": 0, "completed": 0, "marks": {tenth, payments - tenth}, "pid": server_pid, "cpu": {}}
    cpu_start = cpu_seconds(server_pid) if server_pid else 0.0
    start = time.perf_counter()
    waits = []
    for _ in range(concurrency):
        finished = loop.create_future()
        await loop.create_connection(lambda f=finished: _Connection(parts.netloc, jobs, done, state, f),
                                     parts.hostname, parts.port)
        waits.append(finished)
    await asyncio.gather(*waits)
    end = time.perf_counter()
    cpu_end = cpu_seconds(server_pid) if server_pid else 0.0
    done.sort()
    cpu = state["cpu"]
    return {
        "first_tenth_cpu_us": (cpu.get(tenth, 0.0) - cpu_start) / tenth * 1e6,
        "last_tenth_cpu_us": (cpu_end - cpu.get(payments - tenth, 0.0)) / tenth * 1e6,
        "payments": payments, "failures": state["failures"], "seconds": end - start,
        "rate": payments / (end - start),
        "first_tenth_rate": tenth / (done[tenth - 1] - start),
        "last_tenth_rate": tenth / (end - done[payments - tenth - 1]),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to report server CPU per payment."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_client(url: str, payments: int, concurrency: int, server_pid: int) -> dict:
    """The load client runs in its own process so it does not share the server's event loop."""
    cpu_before = cpu_seconds(server_pid)
    out = subprocess.run([sys.executable, __file__, "--client", url, "--payments", str(payments),
                          "--concurrency", str(concurrency), "--server-pid", str(server_pid)],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["server_cpu_us"] = (cpu_seconds(server_pid) - cpu_before) / payments * 1e6
    return result


def bare_server() -> None:
    """A bare aiohttp handler: reads the form body, answers a fixed PaymentIntent-like JSON."""
    import socket

    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        await request.post()
        return web.json_response({"id": "pi_bare", "object": "payment_intent", "status": "succeeded"})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1/payment_intents", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        announce_ready("bare", url=f"http://127.0.0.1:{sock.getsockname()[1]}")
        await asyncio.Event().wait()

    asyncio.run(main())


def show(label: str, r: dict) -> None:
    print(f"{label:<22} {r['rate']:>8,.0f}/s over {r['payments']:,} in {r['seconds']:.1f}s; "
          f"first tenth {r['first_tenth_rate']:,.0f}/s, last tenth {r['last_tenth_rate']:,.0f}/s "
          f"({r['last_tenth_rate'] / r['first_tenth_rate']:.0%}); failures {r['failures']}")
    print(f"{'':<22} server CPU per payment {r['server_cpu_us']:.0f} us: first tenth "
          f"{r['first_tenth_cpu_us']:.0f} us, last tenth {r['last_tenth_cpu_us']:.0f} us")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payments", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--bare-payments", type=int, default=None, help="payments for the bare handler (default same)")
    ap.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    ap.add_argument("--server-pid", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_server:
        bare_server()
        return 0
    if args.client:
        print(json.dumps(asyncio.run(drive(args.client, args.payments, args.concurrency, args.server_pid))))
        return 0
    if args.payments < 100:
        ap.error("--payments must be at least 100")
    with start_service("gateway", paychaos_argv("gateway", "--port", "0", "--seed", "1")) as gw:
        ours = run_client(gw.url, args.payments, args.concurrency, gw.proc.pid)
        ledger_rows = _count_intents(gw.url, gw.info.get("token", ""))
    with start_service("bare", [sys.executable, __file__, "--bare-server"]) as bare:
        base = run_client(bare.url, args.bare_payments or args.payments, args.concurrency, bare.proc.pid)
    print(f"confirmed PaymentIntents, {args.concurrency} concurrent clients, loopback "
          f"(client in its own process); gateway ledger holds {ledger_rows:,} intents")
    show("paychaos gateway", ours)
    show("bare aiohttp handler", base)
    print(f"ratio gateway / bare: {ours['rate'] / base['rate']:.0%} by rate, "
          f"{base['server_cpu_us'] / ours['server_cpu_us']:.0%} by server CPU per payment")
    return 0 if ours["failures"] == 0 else 1


def _count_intents(url: str, token: str) -> int:
    import urllib.request

    req = urllib.request.Request(url + "/_sim/ledger", headers={"X-Paychaos-Token": token})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return len(json.loads(resp.read())["payment_intents"])


if __name__ == "__main__":
    sys.exit(main())
