"""Fuzz: 10,000 hostile requests to a real `paychaos gateway`; prints the status classes, the number
of 5xx (target 0) and of traceback lines in the gateway's output (target 0).

    .venv/bin/python bench/fuzz_gateway.py [--requests 10000] [--seed 16]

Starts the gateway on port 0 with its output in a temp file, creates a few real objects (so ids in
paths hit existing intents, methods, customers), then sends seeded random requests: random paths
among the served endpoints (/v1 and /_sim, plus unknown ones), form bodies and query strings with
hostile values (other scripts' digits, `--5`, 320- and 5,000-digit integers, floats, NaN, inf),
bracket soup and nesting thousands of levels deep, duplicate parameters, bad percent-encodings and
non-UTF-8 bytes, JSON bodies (deep, NaN, huge numbers, wrong types) with assorted Content-Types,
foreign Host and Origin headers, the /_sim token (X-Paychaos-Token) mostly right, sometimes missing
or wrong, and about 3% malformed HTTP on raw sockets (bad request lines,
bad Content-Length, TLS bytes, bad chunking). The same seed sends the same requests.
Exit status 1 when a 5xx or a traceback line was seen. Not a test: it takes about a minute.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paychaos.common.procs import paychaos_argv, start_process_group, stop_process_group  # noqa: E402
from paychaos.gateway.resources import ROUTES  # noqa: E402

AUTH = "Bearer sk_test_fuzz"
SIM_PATHS = ["/_sim/config", "/_sim/webhooks", "/_sim/reset", "/_sim/ledger", "/_sim/health",
             "/_sim/payment_intents/{id}/complete", "/_sim/payment_intents/{id}/fail", "/_sim/redirect/alipay/{id}",
             "/_sim/nothing"]
HOSTED_PATHS = ["/_3ds/{id}", "/pay/{id}", "/pay/{id}/return", "/pay", "/_3ds/{id}/x"]
OTHER_PATHS = ["/", "/v1", "/v1/teleports", "/v1/payment_intents/{id}/explode", "//v1//charges", "/_sim",
               "/v1/payment_intents/{id}/confirm/extra"]
DIGITS = ["²", "٣", "５", "𝟗", "৪", "¹", "⁰", "Ⅻ", "0", "7", "-", "+", "_", " ", ".", "e"]
NAMES = ["amount", "currency", "confirm", "payment_method", "metadata", "capture_method", "limit", "customer",
         "payment_method_types", "payment_method_data", "card", "expand", "amount_to_capture", "charge", "reason",
         "payment_intent", "email", "type", "query", "page", "url", "enabled_events", "created", "starting_after",
         "processing_delay_ms", "secret", "return_url", "off_session", "description", "disabled"]
INNER = ["", "0", "1", "99999", "100000", "99999999999999999999", "²", "-1", "number", "exp_month", "exp_year",
         "cvc", "type", "card", "gte", "order_id", "x"]


def hostile_value(rng: random.Random) -> str:
    pick = rng.randrange(16)
    if pick == 0:
        return "".join(rng.choice(DIGITS) for _ in range(rng.randint(1, 6)))
    if pick == 1:
        return rng.choice(["--5", "-0", "+1", "-", "1_000", " 5", "0x1F", "1e3", "1.5", "-9"])
    if pick == 2:
        return "9" * rng.choice([19, 320, 5000])
    if pick == 3:
        return rng.choice(["NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400"])
    if pick == 4:
        return rng.choice(["%", "%f", "%ff", "%C0%AF", "%ED%A0%80", "%00", "%E2%82", "%zz", "%%"])
    if pick == 5:
        return "x" * rng.choice([0, 5001, 70_000])
    if pick == 6:
        return rng.choice(["pm_card_visa", "pm_card_chargeDeclined", "tok_visa", "usd", "USD", "eur", "card",
                           "true", "false", "manual", "alipay", "4242424242424242", "4000000000000002"])
    if pick == 7:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randint(1, 12)))
    if pick == 8:
        return "http://" + rng.choice(["127.0.0.1:9/h", "example.com/h", "0.0.0.0:1/", "[::1]:1/", "x@y/",
                                       "127.0.0.1:99999/"])
    return str(rng.choice([1, 100, 0, -1, 99_999_999, 100_000_000, 2**63, 10**18]))


def hostile_key(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    pick = rng.randrange(10)
    if pick < 4:
        return name
    if pick < 6:
        return name + "".join(f"[{rng.choice(INNER)}]" for _ in range(rng.randint(1, 4)))
    if pick == 6:
        return name + "[a]" * rng.choice([11, 100, 5000])
    if pick == 7:
        return "".join(rng.choice(["[", "]", "[]", "[[", "]]", name, "", "%5B", "%5D", "="])
                       for _ in range(rng.randint(1, 12)))
    if pick == 8:
        return name + "[" + rng.choice(DIGITS) + "]"
    return rng.choice(["", "[", "]", "a[", "a]", "a[b", "a[]]", "[a]", "a[b][", "a[[b]]", "&", "=="])


def form_body(rng: random.Random) -> str:
    pairs = []
    for _ in range(rng.randint(0, 8)):
        key, value = hostile_key(rng), hostile_value(rng)
        pairs.append(f"{key}={value}")
        if rng.random() < 0.15:  # the same parameter again, maybe with another shape
            pairs.append(f"{key}={hostile_value(rng)}" if rng.random() < 0.5 else f"{key}[x]={hostile_value(rng)}")
    if rng.random() < 0.3:
        pairs.append(rng.choice(["amount=100&currency=usd", "payment_method=pm_card_visa&confirm=true",
                                 "metadata[order_id]=o1"]))
    return "&".join(pairs)


def json_value(rng: random.Random, depth: int = 0):
    pick = rng.randrange(9 if depth < 4 else 6)
    if pick == 0:
        return rng.choice([None, True, False])
    if pick == 1:
        return rng.choice([0, 1, -1, 5, 600_001, 10**320, -(10**30)])
    if pick == 2:
        return rng.choice([1.5, -0.0, 1e308, 5e-324])
    if pick in (3, 4):
        return hostile_value(rng)
    if pick == 5:
        return rng.choice(["*", "charge.succeeded", "whsec_x"])
    if pick in (6, 7):
        return {rng.choice(["url", "secret", "enabled_events", "processing_delay_ms", "x", ""]): json_value(rng, depth + 1)
                for _ in range(rng.randint(0, 3))}
    return [json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def json_body(rng: random.Random) -> bytes:
    pick = rng.randrange(8)
    if pick == 0:
        n = rng.choice([17, 100, 1000, 30_000, 100_000])
        return rng.choice([b"[" * n + b"]" * n, b'{"a":' * n + b"1" + b"}" * n, b"[" * n])
    if pick == 1:
        return rng.choice([b'{"processing_delay_ms": NaN}', b'{"processing_delay_ms": Infinity}',
                           b'{"processing_delay_ms": 1e400}', b'{"processing_delay_ms": -Infinity}',
                           b'{"processing_delay_ms": ' + b"9" * rng.choice([320, 5000]) + b"}"])
    if pick == 2:
        return rng.choice([b"", b"{", b"nul", b"\xff\xfe\x00", b'{"a": "\xed\xa0\x80"}', b"[1,2]", b'"x"', b"{}"])
    value = json_value(rng)
    if isinstance(value, dict) and value.get("processing_delay_ms") not in (None, 0) and \
            type(value["processing_delay_ms"]) is int and 0 < value["processing_delay_ms"] <= 600_000:
        value["processing_delay_ms"] = 0  # a valid long delay would only slow the run down
    return json.dumps(value).encode()


def bad_bytes(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))


MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad Header: 1\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
    b"POST /_sim/config HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
]


class Fuzzer:
    def __init__(self, url: str, seed: int, ids: dict, token: str = ""):
        self.url = url
        self.token = token
        self.host, _, port = url.removeprefix("http://").rpartition(":")
        self.port = int(port)
        self.rng = random.Random(seed)
        self.ids = ids
        self.conn: http.client.HTTPConnection | None = None
        self.routes = sorted({(r.method, r.template) for r in ROUTES})
        self.paths = sorted({r.template for r in ROUTES}) + SIM_PATHS + OTHER_PATHS + HOSTED_PATHS * 4

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=15)
        return self.conn

    def one(self) -> str:
        """Send one fuzzed request; returns its status code as text, or what went wrong."""
        rng = self.rng
        if rng.random() < 0.03:
            return self._raw(rng.choice(MALFORMED) if rng.random() < 0.7 else bad_bytes(rng) + b"\r\n\r\n")
        if rng.random() < 0.7:  # a served endpoint with its own method: the parameters get checked
            method, path = rng.choice(self.routes)
        else:
            path = rng.choice(self.paths)
            method = rng.choice(["GET", "POST", "POST", "POST", "DELETE", "PUT", "HEAD"])
        resource = path.split("/")[2] if path.count("/") > 1 else ""
        resource = {"_3ds": "payment_intents", "pay": "checkout"}.get(path.split("/")[1], resource)
        ident = rng.choice(self.ids.get(resource, []) * 3 + ["pi_nope", "²", "%ff", "a" * 300, "..", "%2F", ""])
        path = path.replace("{id}", quote(ident, safe="%"))
        headers = {"Authorization": AUTH} if rng.random() < 0.9 else {
            "Authorization": rng.choice(["", "Basic %%%", "Bearer ", "Bearer sk_live_x", "Basic c2tfdGVzdF94Og=="])}
        kind = rng.randrange(10)
        if kind < 5:
            body = form_body(rng).encode("utf-8", "surrogatepass")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif kind < 8:
            body = json_body(rng)
            headers["Content-Type"] = rng.choice(["application/json", "application/json; charset=utf-8",
                                                  "text/plain", "application/x-www-form-urlencoded"])
        else:
            body = bad_bytes(rng)
            if rng.random() < 0.5:
                headers["Content-Type"] = rng.choice(["application/json", "application/x-www-form-urlencoded"])
        if method in ("GET", "HEAD", "DELETE") and rng.random() < 0.8:
            path += "?" + quote(form_body(rng), safe="=&[]%+")
            body = b""
        if rng.random() < 0.1:
            headers["Origin"] = rng.choice(["https://evil.example", "null", "http://localhost:3000"])
        if rng.random() < 0.1:
            headers["Host"] = rng.choice(["evil.example", f"127.0.0.1:{self.port}", f"localhost:{self.port}",
                                          "api.stripe.com", "127.0.0.1:1"])
        pick = rng.random()
        if pick < 0.9:  # /_sim wants the token; a missing or wrong one must be a 401/403, not a 5xx
            headers["X-Paychaos-Token"] = self.token
        elif pick < 0.95:
            headers["X-Paychaos-Token"] = rng.choice(["", "wrong", "²" * 3, self.token[:-1], " " + self.token])
        if rng.random() < 0.2:
            headers["Idempotency-Key"] = rng.choice(["k1", "k2", "x" * 300, "²"]).encode().decode("latin-1")
        return self._send(method, path, body, headers)

    def _send(self, method: str, path: str, body: bytes, headers: dict) -> str:
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self.conn = None
                return str(resp.status)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                self.conn = None
                if attempt:
                    return f"no answer ({type(exc).__name__})"
            except TimeoutError:
                conn.close()
                self.conn = None
                return "timeout"
        return "no answer"

    def _raw(self, raw: bytes) -> str:
        try:
            with socket.create_connection((self.host, self.port), timeout=15) as s:
                s.sendall(raw)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
        except (ConnectionResetError, BrokenPipeError):
            return "no answer (raw)"
        except TimeoutError:
            return "timeout"
        line = data.split(b"\r\n", 1)[0].split()
        return line[1].decode() if len(line) > 1 and line[1].isdigit() else "no answer (raw)"


def _start(log_path: Path):
    log = log_path.open("w")
    proc = start_process_group(paychaos_argv("gateway", "--port", "0", "--seed", "1"), stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("PAYCHAOS_READY "):
                return proc, log, json.loads(line.split(" ", 1)[1])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop_process_group(proc)
    raise SystemExit(f"the gateway did not start:\n{log_path.read_text(errors='replace')}")


def _seed_objects(url: str) -> dict:
    host, _, port = url.removeprefix("http://").rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def post(path: str, body: str) -> dict:
        conn.request("POST", path, body=body, headers={"Authorization": AUTH,
                                                       "Content-Type": "application/x-www-form-urlencoded"})
        return json.loads(conn.getresponse().read())

    pi = post("/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true")
    alipay = post("/v1/payment_intents", "amount=500&currency=usd&confirm=true&payment_method_data[type]=alipay"
                                         "&return_url=http://127.0.0.1/r")
    cus = post("/v1/customers", "email=a@b.c")
    pm = post("/v1/payment_methods", "type=card&card[token]=tok_visa")
    three_ds = post("/v1/payment_intents", "amount=700&currency=usd&confirm=true"
                                           "&payment_method=pm_card_authenticationRequired")
    seti = post("/v1/setup_intents", f"customer={cus['id']}&confirm=true&payment_method=pm_card_authenticationRequired")
    price = post("/v1/prices", "unit_amount=900&currency=usd&product_data[name]=Fuzz")
    sessions = [post("/v1/checkout/sessions", f"mode=payment&success_url=http://127.0.0.1/s&line_items[0][price]="
                                              f"{price['id']}&payment_method_types[0]=card"
                                              f"&payment_method_types[1]=alipay")["id"] for _ in range(3)]
    tok = post("/v1/tokens", "card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034")
    conn.close()
    return {"payment_intents": [pi["id"], alipay["id"], three_ds["id"], seti["id"]], "charges": [pi["latest_charge"]],
            "customers": [cus["id"]], "payment_methods": [pm["id"]], "refunds": [], "events": [],
            "webhook_endpoints": [], "setup_intents": [seti["id"]], "checkout": sessions,
            "prices": [price["id"]], "products": [price["product"]], "tokens": [tok["id"]]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="paychaos-fuzz-") as tmp:
        log_path = Path(tmp) / "gateway.log"
        proc, log, info = _start(log_path)
        url = info["url"]
        try:
            ids = _seed_objects(url)
            fuzzer = Fuzzer(url, args.seed, ids, info.get("token", ""))
            counts: collections.Counter = collections.Counter()
            started = time.monotonic()
            for _ in range(args.requests):
                counts[fuzzer.one()] += 1
            elapsed = time.monotonic() - started
        finally:
            stop_process_group(proc)
            log.close()
        output = log_path.read_text(errors="replace").splitlines()
    classes: collections.Counter = collections.Counter()
    for status, n in counts.items():
        classes[f"{status[0]}xx" if status.isdigit() else status] += n
    tracebacks = sum(1 for line in output if "Traceback" in line)
    log_lines = [line for line in output if not line.startswith("PAYCHAOS_READY")]
    print(f"fuzzed requests to paychaos gateway: {args.requests:,} (seed {args.seed}) in {elapsed:.1f}s, "
          f"{args.requests / elapsed:,.0f}/s")
    print("status classes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(classes.items())))
    print("status codes:   " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    print(f"5xx: {classes.get('5xx', 0)} (target 0)")
    print(f"traceback lines in the gateway's output: {tracebacks} (target 0); "
          f"other output lines: {len(log_lines)} (one per HTTP request aiohttp could not read)")
    no_answer = sum(v for k, v in classes.items() if not k.endswith("xx"))
    if no_answer:
        print(f"requests without an HTTP answer: {no_answer}")
    return 1 if classes.get("5xx", 0) or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
