"""How to reproduce one failing scenario by hand: `paychaos up` with the scenario's seed, the merchant
started against it, then one checkout driven with curl the way the run drove it.

The suite report's "repro" (written by `paychaos run`) says how the target is called; without it
(a report from an older paychaos) the steps fall back to `paychaos run` of the one scenario.
"""

from __future__ import annotations

import json
import re
import shlex

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")


def _fill(value, values: dict):
    """The target's request template with this checkout's values; unknown placeholders stay as written."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def _checkout_of(entry: dict) -> dict | None:
    """The checkout to replay: the first one a finding names, else the first that did not pay."""
    checkouts = entry.get("checkouts") or []
    named = []
    for f in entry.get("findings") or []:
        named += [str(o) for o in (f.get("evidence") or {}).get("order_ids") or []]
    for oid in named:
        for c in checkouts:
            if c.get("order_id") == oid:
                return c
    return next((c for c in checkouts if c.get("status") != "paid"), checkouts[0] if checkouts else None)


def steps(entry: dict, report: dict) -> list[str]:
    """Shell lines (comments start with #) that reproduce the scenario by hand."""
    path = entry.get("path") or "SCENARIO_FILE"   # errored before its file was recorded: the user knows it
    repro = report.get("repro") or {}
    target_file = repro.get("target_file")
    target_flag = f" --target {shlex.quote(target_file)}" if target_file else ""
    whole_run = f"paychaos run {shlex.quote(path)}{target_flag}"
    call = repro.get("checkout")
    if not call:
        return ["# run this scenario alone", whole_run]
    seed = entry.get("seed")
    up = f"paychaos up {shlex.quote(path)}" + (f" --seed {seed}" if seed else "") + " --backup"
    base = str(repro.get("base_url") or "http://127.0.0.1:{port}").replace("{port}", "$PORT")
    if repro.get("webhook_path"):
        up += f" --webhook-url {base}{repro['webhook_path']}"
    lines = ["# the whole walk-through: docs/reference/reproduce-by-hand.md",
             "# 1. gateways and the fault proxy with this scenario's faults (prints the environment for your merchant)",
             up,
             "# 2. start your merchant with that environment on $PORT"
             + (f" (as {target_file} `start:` says)" if target_file else "")]
    c = _checkout_of(entry)
    values = {"port": "$PORT"}
    if c:
        values.update({"order.id": c.get("order_id"), "order.amount": c.get("amount"),
                       "order.currency": c.get("currency") or "usd", "payment.token": c.get("payment"),
                       "customer.locale": c.get("locale")})
        values = {k: v for k, v in values.items() if v is not None}
    url = base + _fill(str(call.get("path") or "/"), values)
    curl = f"curl -sS -X {call.get('method') or 'POST'} \"{url}\""
    if call.get("json") is not None:
        body = json.dumps(_fill(call["json"], values), ensure_ascii=False, separators=(",", ":"))
        curl += f" -H 'Content-Type: application/json' -d {shlex.quote(body)}"
    elif call.get("form") is not None:
        for k, v in (_fill(call["form"], values) or {}).items():
            curl += f" --data-urlencode {shlex.quote(f'{k}={v}')}"
    lines += [f"# 3. one checkout as the run drove it (order {c.get('order_id')}; fill any {{placeholder}} left)"
              if c else "# 3. one checkout (fill the {placeholders})", curl,
              "# or the whole scenario again", whole_run]
    return lines
