"""Benchmark: WeChat Pay v3 orders per second through `paychaos gateway-wechatpay`.

    .venv/bin/python bench/bench_wechatpay.py [--orders 5000] [--concurrency 32]

Starts the gateway as its own process, signs N Native order requests with the run's merchant key
(WECHATPAY2-SHA256-RSA2048, as wechatpayv3 signs them) before the clock starts (the merchant's
signing is the merchant's cost, not the gateway's), then posts them over N concurrent keep-alive
connections and prints: orders/s overall, and for the first and last tenth (state growth must not
slow it), and the gateway's CPU time per order (less disturbed by other load than the rates). Each
order is verified (RSA public-key check of the merchant's signature), stored, and answered with a
platform signature (an RSA-2048 private-key operation: the dominant cost). Then the same for
queries by out_trade_no, and, side by side, a bare aiohttp handler that reads the JSON body and
answers a fixed JSON (no signatures, no state): what this machine allows a Python HTTP server right
now, for a ratio. Not a test: about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: E402

from paychaos.common.procs import paychaos_argv, start_service  # noqa: E402
from paychaos.gateway.wechatpay import crypto  # noqa: E402


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _signed(info: dict, key, method: str, path: str, body: str) -> dict:
    stamp, nonce = str(int(time.time())), crypto.nonce()
    sig = crypto.sign(key, crypto.request_message(method, path, stamp, nonce, body))
    auth = (f'{crypto.SCHEME} mchid="{info["mchid"]}",nonce_str="{nonce}",signature="{sig}",'
            f'timestamp="{stamp}",serial_no="{info["merchant_serial_no"]}"')
    return {"Authorization": auth, "Content-Type": "application/json", "Accept": "application/json"}


async def _drive(url: str, requests_: list[tuple[str, str, str, dict]], concurrency: int) -> list[float]:
    """Send every request; the time each one finished (perf_counter)."""
    done: list[float] = [0.0] * len(requests_)
    jobs = iter(range(len(requests_)))
    bad = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal bad
        for i in jobs:
            method, path, body, headers = requests_[i]
            async with session.request(method, url + path, data=body.encode() or None, headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    bad += 1
            done[i] = time.perf_counter()

    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    if bad:
        raise SystemExit(f"{bad} requests were not answered 200: the figures would mean nothing")
    return done


def bare_server() -> None:
    """A bare aiohttp handler: reads the JSON body, answers a fixed prepay-like JSON."""
    import socket

    from aiohttp import web

    from paychaos.common.procs import announce_ready

    async def handler(request: web.BaseRequest) -> web.Response:
        await request.read()
        return web.Response(body=b'{"code_url":"weixin://wxpay/bizpayurl?pr=bare"}', content_type="application/json")

    async def main() -> None:
        runner = web.ServerRunner(web.Server(handler), access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(runner, sock).start()
        announce_ready("bare", url=f"http://127.0.0.1:{sock.getsockname()[1]}")
        await asyncio.Event().wait()

    asyncio.run(main())


def _report(what: str, done: list[float], t0: float, cpu_s: float) -> float:
    n = len(done)
    total = max(done) - t0
    tenth = max(1, n // 10)
    ordered = sorted(done)
    first = tenth / (ordered[tenth - 1] - t0)
    last = tenth / (ordered[-1] - ordered[-tenth - 1])
    print(f"{what:<28} {n / total:>8.0f}/s overall   first tenth {first:>6.0f}/s   last tenth {last:>6.0f}/s   "
          f"server CPU {cpu_s / n * 1000:.2f} ms each (= {n / cpu_s:,.0f} per CPU-second)")
    return n / total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_server:
        bare_server()
        return 0
    svc = start_service("gateway-wechatpay", paychaos_argv("gateway-wechatpay", "--port", "0"), timeout=60)
    try:
        info = svc.info["wechatpay"]
        key = load_pem_private_key(Path(info["private_key_file"]).read_bytes(), None)
        t_sign = time.perf_counter()
        orders = []
        for i in range(args.orders):
            body = json.dumps({"appid": info["appid"], "mchid": info["mchid"], "description": "bench",
                               "out_trade_no": f"B{i:07d}x", "notify_url": "http://127.0.0.1:9/notify",
                               "amount": {"total": 1000 + i % 5000, "currency": "CNY"}})
            orders.append(("POST", "/v3/pay/transactions/native", body,
                           _signed(info, key, "POST", "/v3/pay/transactions/native", body)))
        queries = []
        for i in range(args.orders):
            path = f"/v3/pay/transactions/out-trade-no/B{i:07d}x?mchid={info['mchid']}"
            queries.append(("GET", path, "", _signed(info, key, "GET", path, "")))
        print(f"(signed {2 * args.orders} requests as the merchant in {time.perf_counter() - t_sign:.1f} s, "
              "before timing)")
        pid = svc.proc.pid
        rates = {}
        for what, batch in (("Native orders", orders), ("queries by out_trade_no", queries)):
            cpu0, t0 = _cpu_s(pid), time.perf_counter()
            done = asyncio.run(_drive(svc.url, batch, args.concurrency))
            rates[what] = _report(what, done, t0, _cpu_s(pid) - cpu0)
    finally:
        svc.stop()
    bare = start_service("bare", [sys.executable, __file__, "--bare-server"], timeout=60)
    try:
        cpu0, t0 = _cpu_s(bare.proc.pid), time.perf_counter()
        done = asyncio.run(_drive(bare.url, orders, args.concurrency))
        bare_rate = _report("bare aiohttp handler", done, t0, _cpu_s(bare.proc.pid) - cpu0)
    finally:
        bare.stop()
    print(f"Native orders at {rates['Native orders'] / bare_rate:.0%} of the bare handler's rate; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
