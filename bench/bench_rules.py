"""Rule matching cost per exchange, in process: no rule, a path glob, `match.kind` (one kind, a list),
each with a field that does not match so only the matching is timed (no dice, no fault), and
`call_kind` alone. A rule is checked against every exchange the proxy sees, so this is on its hot path.

    .venv/bin/python bench/bench_rules.py [--exchanges 200000]
"""

from __future__ import annotations

import argparse
import timeit

from paychaos.common.call_kinds import call_kind
from paychaos.proxies.rules import Candidate, RuleSet, parse_rules

CASES = {
    "no rule": None,
    "path glob + method": {"path": "/v1/payment_intents*", "method": "POST", "currency": "eur"},
    "kind: payment": {"kind": "payment", "currency": "eur"},
    "kind: [payment, capture]": {"kind": ["payment", "capture"], "currency": "eur"},
}


def candidate() -> Candidate:
    return Candidate(upstream="primary", method="POST", path="/v1/payment_intents/pi_3Nabc/confirm",
                     fields={"amount": 1299, "currency": "usd"}, headers={})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchanges", type=int, default=200_000)
    n = parser.parse_args().exchanges
    for name, match in CASES.items():
        rules = [] if match is None else [{"fault": "latency", "params": {"delay_ms": 1}, "match": match}]
        ruleset = RuleSet(parse_rules(rules, source="bench"))
        best = min(timeit.repeat(lambda rs=ruleset: rs.decide(candidate()), number=n, repeat=3))
        print(f"{name:<26} {best / n * 1e6:6.2f} us per exchange (Candidate + decide)")
    for path in ("/v1/charges", "/v1/payment_intents/pi_3Nabc/confirm", "/v1/customers/cus_1"):
        best = min(timeit.repeat(lambda p=path: call_kind("POST", p), number=n, repeat=3))
        print(f"call_kind POST {path:<36} {best / n * 1e6:6.2f} us")


if __name__ == "__main__":
    main()
