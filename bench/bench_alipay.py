"""Orders per second the fake Alipay serves: each order is one signed `alipay.trade.pay` (the gateway
verifies the merchant's RSA2 signature and signs its answer), over keep-alive HTTP from several client
processes (each with several connections, each one order at a time: 32 in all by default, as
bench_wechatpay.py's 32 clients), signed as python-alipay-sdk signs (pycryptodome, the SDK's own `sign_data`).

    .venv/bin/python bench/bench_alipay.py [--orders 3000] [--clients 2] [--connections 16]

Prints orders/s (wall clock), the gateway process's CPU time per order (read from /proc, so less
disturbed by other jobs on a shared machine than the wall-clock rate: orders per CPU-second is the rate
one idle core would serve), and the RSA signing cost for scale (every order costs the gateway one
verification and one signature). No assertion: figures to read, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import time
from pathlib import Path

from paychaos.common.procs import paychaos_argv, start_service


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(args):
    url, app_id, key_file, pub_file, prefix, n, connections = args
    from alipay import AliPay
    ali = AliPay(appid=app_id, app_private_key_string=open(key_file).read(),
                 alipay_public_key_string=open(pub_file).read())
    bodies = []
    for i in range(n):
        data = ali.build_body("alipay.trade.pay", {"out_trade_no": f"{prefix}-{i}", "scene": "bar_code",
                                                   "auth_code": "alipay_ok", "subject": "bench", "total_amount": "1.00"})
        bodies.append(ali.sign_data(data))   # signed up front: the client's RSA cost is not the gateway's
    return asyncio.run(_send_all(url + "/gateway.do", bodies, connections))


async def _send_all(url: str, bodies: list[str], connections: int):
    """Post every body over `connections` keep-alive connections, each waiting for its answer before
    sending the next; (orders answered 10000, start, end)."""
    import aiohttp

    pending = iter(bodies)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    ok = 0

    async def one_connection(session):
        nonlocal ok
        for body in pending:
            async with session.post(url, data=body, headers=headers) as resp:
                ok += b'"code":"10000"' in await resp.read()

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(one_connection(session) for _ in range(connections)))
        return ok, start, time.perf_counter()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=3000)
    p.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    p.add_argument("--connections", type=int, default=16,
                   help="keep-alive connections per client process, each one order at a time (default 16)")
    args = p.parse_args()
    svc = start_service("gateway", paychaos_argv("gateway", "--dialect", "alipay", "--port", "0"), timeout=60)
    try:
        info = svc.info
        per = args.orders // args.clients
        jobs = [(info["url"], info["app_id"], info["app_private_key_file"], info["alipay_public_key_file"],
                 f"b{c}", per, args.connections) for c in range(args.clients)]
        with mp.Pool(args.clients) as pool:
            cpu0 = _cpu_s(svc.proc.pid)
            results = pool.map(_client, jobs)   # clients sign first, then send: the gateway idles meanwhile
            cpu = _cpu_s(svc.proc.pid) - cpu0
        ok = sum(r[0] for r in results)
        elapsed = max(r[2] for r in results) - min(r[1] for r in results)
        print(f"alipay.trade.pay orders: {ok}/{per * args.clients} succeeded in {elapsed:.2f} s "
              f"= {ok / elapsed:,.0f} orders/s wall clock ({args.clients} client processes x {args.connections} "
              f"keep-alive connections)")
        n = max(ok, 1)
        print(f"gateway CPU: {cpu / n * 1000:.2f} ms per order "
              f"= {n / max(cpu, 1e-9):,.0f} orders per CPU-second (the rate one idle core serves)")
    finally:
        svc.stop()
    from paychaos.gateway.alipay import keys as rsa2
    key = rsa2.new_private_key()
    n, t0, c0 = 500, time.perf_counter(), time.process_time()
    for _ in range(n):
        rsa2.sign(key, "x" * 300)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"for scale: one RSA-2048 signature costs {cpu / n * 1000:.2f} ms CPU ({n / cpu:,.0f} per CPU-second; "
          f"{n / wall:,.0f}/s wall clock now); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
