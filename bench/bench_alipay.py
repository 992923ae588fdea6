"""Orders per second the fake Alipay serves: each order is one signed `alipay.trade.pay` (the gateway
verifies the merchant's RSA2 signature and signs its answer), over keep-alive HTTP from several client
processes, signed as python-alipay-sdk signs (pycryptodome, the SDK's own `sign_data`).

    .venv/bin/python bench/bench_alipay.py [--orders 3000] [--clients 4] [--key-bits 2048]

Prints orders/s, and the RSA signing rate of this machine for scale (every order costs the gateway one
verification and one signature). No assertion: a figure to read, not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

from paychaos.common.procs import paychaos_argv, start_service


def _client(args):
    url, app_id, key_file, pub_file, prefix, n = args
    import http.client
    from urllib.parse import urlsplit

    from alipay import AliPay
    ali = AliPay(appid=app_id, app_private_key_string=open(key_file).read(),
                 alipay_public_key_string=open(pub_file).read())
    bodies = []
    for i in range(n):
        data = ali.build_body("alipay.trade.pay", {"out_trade_no": f"{prefix}-{i}", "scene": "bar_code",
                                                   "auth_code": "alipay_ok", "subject": "bench", "total_amount": "1.00"})
        bodies.append(ali.sign_data(data))   # signed up front: the client's RSA cost is not the gateway's
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    ok = 0
    start = time.perf_counter()
    for body in bodies:
        conn.request("POST", "/gateway.do", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        answer = conn.getresponse().read()
        ok += b'"code":"10000"' in answer
    return ok, start, time.perf_counter()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=3000)
    p.add_argument("--clients", type=int, default=4)
    args = p.parse_args()
    svc = start_service("gateway", paychaos_argv("gateway", "--dialect", "alipay", "--port", "0"), timeout=30)
    try:
        info = svc.info
        per = args.orders // args.clients
        jobs = [(info["url"], info["app_id"], info["app_private_key_file"], info["alipay_public_key_file"],
                 f"b{c}", per) for c in range(args.clients)]
        with mp.Pool(args.clients) as pool:
            results = pool.map(_client, jobs)
        ok = sum(r[0] for r in results)
        elapsed = max(r[2] for r in results) - min(r[1] for r in results)
        print(f"alipay.trade.pay orders: {ok}/{per * args.clients} succeeded in {elapsed:.2f} s "
              f"= {ok / elapsed:,.0f} orders/s ({args.clients} client processes, keep-alive)")
    finally:
        svc.stop()
    from paychaos.gateway.alipay import keys as rsa2
    key = rsa2.new_private_key()
    n, t0 = 500, time.perf_counter()
    for _ in range(n):
        rsa2.sign(key, "x" * 300)
    print(f"for scale: this machine signs {n / (time.perf_counter() - t0):,.0f} RSA-2048 signatures/s on one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
