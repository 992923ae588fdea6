"""Write the hostile corpus: scenario and target files that paychaos must refuse with exit 2.

    python tests/hostile/make_corpus.py        # rewrites tests/hostile/{scenarios,targets}/gen-*.yaml

Deterministic (no randomness, sorted output), so the committed files are exactly what this writes;
tests/hostile/test_corpus.py checks that. Each file is a good scenario or target with one hostile
change, named after it. Hand-written cases live next to them without the `gen-` prefix.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCENARIO = """\
name: hostile
cause: gateway_outage
description: one hostile change to a good scenario
seed: 7
settle_s: 1
customers:
  count: 2
  locale: en_US
  cards: {pm_card_visa: 1}
  timeout_s: 10
faults:
  - fault: http_error
    params: {status: 503}
    window: {start_s: 0, end_s: 5}
expect:
  threshold: 80
  answer_budget_s: 10
"""

TARGET = """\
name: hostile
start:
  command: ["{python}", "-m", "paychaos.cli", "merchant", "resilient", "--port", "{port}"]
  env:
    STRIPE_API_BASE: "{gateway_url}"
  ready: {path: /health, timeout_s: 20}
base_url: "http://127.0.0.1:{port}"
checkout:
  path: /checkout
  json:
    amount: "{order.amount}"
    card: {number: "{card.number}"}
  outcome:
    status: "$.status"
"""


def bomb(levels: int = 9, width: int = 9) -> str:
    """The billion-laughs alias bomb as a flow value: 700 bytes that expand to width**levels strings."""
    lines = ['&a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "[" + ", ".join(lines) + "]"


def nested(depth: int, style: str) -> str:
    if style == "flow-list":
        return "[" * depth + "1" + "]" * depth
    if style == "flow-map":
        return "{a: " * depth + "1" + "}" * depth
    raise ValueError(style)


def replace(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def scenario_cases() -> dict[str, str]:
    s = SCENARIO
    cases: dict[str, str] = {}
    # Anchors and aliases: refused outright, wherever they are.
    for field in ("seed", "description", "settle_s"):
        line = next(x for x in s.splitlines() if x.startswith(field + ":"))
        cases[f"alias-bomb-{field}"] = replace(s, line, f"{field}: {bomb()}")
    cases["alias-bomb-params"] = replace(s, "params: {status: 503}", f"params: {{status: 503, junk: {bomb()}}}")
    cases["alias-bomb-wide"] = replace(s, "seed: 7", f"seed: {bomb(levels=6, width=40)}")
    cases["anchor-only"] = replace(s, "name: hostile", "name: &n hostile")
    cases["alias-merge-key"] = replace(s, "customers:\n  count: 2", "base: &b {count: 2}\ncustomers:\n  <<: *b")
    cases["alias-undefined"] = replace(s, "seed: 7", "seed: *nothing")
    # Duplicate keys.
    cases["dup-top-name"] = s + "name: other\n"
    cases["dup-customers-count"] = replace(s, "  count: 2\n", "  count: 2\n  count: 3\n")
    cases["dup-params-status"] = replace(s, "params: {status: 503}", "params: {status: 503, status: 500}")
    cases["dup-expect"] = s + "expect: {threshold: 10}\n"
    cases["dup-flow-cards"] = replace(s, "cards: {pm_card_visa: 1}", "cards: {pm_card_visa: 1, pm_card_visa: 2}")
    # Nesting beyond the cap.
    for depth in (65, 100, 500, 1000, 20000):
        cases[f"deep-list-{depth}-seed"] = replace(s, "seed: 7", f"seed: {nested(depth, 'flow-list')}")
    for depth in (65, 1000):
        cases[f"deep-map-{depth}-params"] = replace(s, "params: {status: 503}",
                                                    f"params: {{status: 503, x: {nested(depth, 'flow-map')}}}")
    cases["deep-block-100"] = s + "phases:\n" + "".join("  " * i + "a:\n" for i in range(1, 100)) + "  " * 100 + "a: 1\n"
    # Integers beyond 64 bits or too long to parse.
    for field, old in (("seed", "seed: 7"), ("count", "  count: 2"), ("threshold", "  threshold: 80"),
                       ("settle", "settle_s: 1")):
        indent = "  " if old.startswith("  ") else ""
        key = old.strip().split(":")[0]
        for label, value in (("int64", str(2**63)), ("20digits", "9" * 20), ("5000digits", "9" * 5000),
                             ("neg", "-" + "9" * 30)):
            cases[f"int-{label}-{field}"] = replace(s, old, f"{indent}{key}: {value}")
    cases["int-50k-digits-seed"] = replace(s, "seed: 7", "seed: " + "1" * 50_000)
    cases["int-hex-long"] = replace(s, "seed: 7", "seed: 0x" + "f" * 40)
    cases["int-sexagesimal-long"] = replace(s, "seed: 7", "seed: " + ":".join(["59"] * 40))
    cases["int-underscores-long"] = replace(s, "seed: 7", "seed: 1" + "_000" * 30)
    cases["int-status-huge"] = replace(s, "params: {status: 503}", "params: {status: " + "5" * 400 + "}")
    # NaN and infinity wherever a number is read.
    for field, old in (("settle_s", "settle_s: 1"), ("threshold", "  threshold: 80"),
                       ("timeout_s", "  timeout_s: 10"), ("answer_budget_s", "  answer_budget_s: 10")):
        indent = "  " if old.startswith("  ") else ""
        key = old.strip().split(":")[0]
        for label, value in (("nan", ".nan"), ("NaN", ".NaN"), ("inf", ".inf"), ("neg-inf", "-.inf"),
                             ("1e999", "1e999")):
            cases[f"nonfinite-{label}-{field}"] = replace(s, old, f"{indent}{key}: {value}")
    cases["nonfinite-share"] = replace(s, "cards: {pm_card_visa: 1}", "cards: {pm_card_visa: .nan}")
    cases["nonfinite-share-inf"] = replace(s, "cards: {pm_card_visa: 1}", "cards: {pm_card_visa: .inf}")
    cases["nonfinite-window"] = replace(s, "window: {start_s: 0, end_s: 5}", "window: {start_s: 0, end_s: .inf}")
    cases["nonfinite-param"] = replace(s, "params: {status: 503}", "params: {status: .nan}")
    cases["nonfinite-threshold-1e400"] = replace(s, "  threshold: 80", "  threshold: 1.0e+400")
    # NUL characters in strings.
    cases["nul-name"] = replace(s, "name: hostile", 'name: "host\\0ile"')
    cases["nul-description"] = replace(s, "description: one hostile change to a good scenario",
                                       'description: "a\\0b"')
    cases["nul-currency"] = replace(s, "  count: 2\n", '  count: 2\n  currency: "us\\0"\n')
    cases["nul-locale-key"] = replace(s, "locale: en_US", 'locale: {"en_US\\0": 1}')
    cases["nul-key"] = s + '"bo\\0gus": 1\n'
    # Long values (the error shows at most 80 characters of them).
    cases["long-name"] = replace(s, "name: hostile", "name: " + "x" * 20_000)
    cases["long-unknown-key"] = s + "k" * 20_000 + ": 1\n"
    cases["long-cause"] = replace(s, "cause: gateway_outage", "cause: " + "gateway_outage" * 2000)
    cases["long-action"] = s + "actions: [" + "checkout" * 2000 + "]\n"
    cases["huge-share-sum"] = replace(s, "cards: {pm_card_visa: 1}",
                                      "cards: {pm_card_visa: 1.0e+308, pm_card_mastercard: 1.0e+308}")
    # Not YAML, or not one document, or tags a safe loader must refuse.
    cases["python-tag"] = replace(s, "seed: 7", "seed: !!python/object/apply:os.system ['true']")
    cases["unknown-tag"] = replace(s, "seed: 7", "seed: !custom 7")
    cases["two-documents"] = s + "---\n" + s
    cases["unclosed-flow"] = "name: [" * 2000
    cases["tab-indent"] = replace(s, "  count: 2", "\tcount: 2")
    cases["binary-seed"] = replace(s, "seed: 7", "seed: !!binary aGVsbG8=")
    cases["set-cards"] = replace(s, "cards: {pm_card_visa: 1}", "cards: !!set {pm_card_visa}")
    cases["mapping-key"] = s + "? [a, b]\n: 1\n"
    cases["scalar-document"] = "just a string\n"
    cases["list-document"] = "- name: hostile\n"
    cases["empty-document"] = ""
    cases["null-document"] = "~\n"
    return cases


def target_cases() -> dict[str, str]:
    t = TARGET
    cases: dict[str, str] = {}
    cases["alias-bomb-checkout-json"] = replace(t, 'amount: "{order.amount}"', f"amount: {bomb()}")
    cases["alias-bomb-env"] = replace(t, 'STRIPE_API_BASE: "{gateway_url}"', f"BOMB: {bomb()}")
    cases["alias-bomb-command"] = replace(t, '  command: ["{python}", "-m", "paychaos.cli", "merchant", '
                                             '"resilient", "--port", "{port}"]', f"  command: {bomb()}")
    cases["anchor-base-url"] = replace(t, 'base_url: "http://127.0.0.1:{port}"', 'base_url: &u "http://127.0.0.1:{port}"')
    cases["dup-base-url"] = t + 'base_url: "http://127.0.0.1:1"\n'
    cases["dup-json-key"] = replace(t, 'amount: "{order.amount}"', 'amount: "{order.amount}"\n    amount: 1')
    cases["dup-env"] = replace(t, 'STRIPE_API_BASE: "{gateway_url}"',
                               'STRIPE_API_BASE: "{gateway_url}"\n    STRIPE_API_BASE: x')
    for label, url in (("port-99999", "http://127.0.0.1:99999"), ("port-0", "http://127.0.0.1:0"),
                       ("port-text", "http://127.0.0.1:http"), ("port-negative", "http://127.0.0.1:-1"),
                       ("port-empty", "http://127.0.0.1:"), ("port-huge", "http://127.0.0.1:" + "9" * 400),
                       ("credentials", "http://user:secret@127.0.0.1:{port}"), ("no-host", "http://:8000"),
                       ("ipv6-unclosed", "http://[::1:{port}"), ("space", "http://127.0.0.1 :{port}"),
                       ("not-http", "ftp://127.0.0.1:{port}"),
                       ("path", "http://127.0.0.1:{port}/api"), ("query", "http://127.0.0.1:{port}?a=b"), ("long", "http://127.0.0.1:{port}/" + "a" * 5000)):
        cases[f"base-url-{label}"] = replace(t, 'base_url: "http://127.0.0.1:{port}"', f'base_url: "{url}"')
    for label, name in (("equals", "A=B"), ("empty", ""), ("nul", "A\\0B"), ("only-equals", "=")):
        cases[f"env-name-{label}"] = replace(t, 'STRIPE_API_BASE: "{gateway_url}"', f'"{name}": x')
    cases["env-value-nul"] = replace(t, 'STRIPE_API_BASE: "{gateway_url}"', 'STRIPE_API_BASE: "a\\0b"')
    cases["env-value-nan"] = replace(t, 'STRIPE_API_BASE: "{gateway_url}"', "STRIPE_API_BASE: .nan")
    cases["command-nul"] = replace(t, '"--port", "{port}"]', '"--port", "{port}", "a\\0b"]')
    cases["path-nul"] = replace(t, "  path: /checkout", '  path: "/check\\0out"')
    for label, value in (("nan", ".nan"), ("inf", ".inf"), ("1e999", "1e999")):
        cases[f"ready-timeout-{label}"] = replace(t, "timeout_s: 20", f"timeout_s: {value}")
    cases["json-deep-1000"] = replace(t, 'amount: "{order.amount}"', f"amount: {nested(1000, 'flow-list')}")
    cases["json-deep-65"] = replace(t, 'amount: "{order.amount}"', f"amount: {nested(65, 'flow-map')}")
    cases["json-int-5000-digits"] = replace(t, 'amount: "{order.amount}"', "amount: " + "9" * 5000)
    cases["json-nan"] = replace(t, 'amount: "{order.amount}"', "amount: .nan")
    cases["version-huge"] = "version: " + "9" * 30 + "\n" + t
    cases["version-nan"] = "version: .nan\n" + t
    cases["method-long"] = replace(t, "  path: /checkout", "  method: " + "P" * 20_000 + "\n  path: /checkout")
    cases["status-path-long"] = replace(t, 'status: "$.status"', "status: " + "x" * 20_000)
    cases["two-documents"] = t + "---\n" + t
    return cases


def write_all(out: Path = HERE) -> list[Path]:
    written = []
    for sub, cases in (("scenarios", scenario_cases()), ("targets", target_cases())):
        folder = out / sub
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("gen-*.yaml"):
            old.unlink()
        for name in sorted(cases):
            path = folder / f"gen-{name}.yaml"
            path.write_text(cases[name], encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    files = write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"wrote {len(files)} files")
