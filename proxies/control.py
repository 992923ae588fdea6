"""The control API under /_paychaos, answered by the addon itself on every listener, never forwarded.

GET /_paychaos/health, GET|PUT|DELETE /_paychaos/rules (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from proxies.rules import RuleSet, parse_rules
from simulator.common.errors import InputError

PREFIX = "/_paychaos"


def handle(method: str, path: str, body: bytes, current: RuleSet,
           install: Callable[[RuleSet], None]) -> tuple[int, dict]:
    """Answer one control request: (HTTP status, JSON body)."""
    path = path.split("?", 1)[0].rstrip("/")
    if path == f"{PREFIX}/health" and method == "GET":
        return 200, {"ok": True}
    if path != f"{PREFIX}/rules":
        return 404, _error(f"no control endpoint {method} {path}",
                           "GET /_paychaos/health, GET|PUT|DELETE /_paychaos/rules")
    if method == "GET":
        return 200, current.describe()
    if method == "DELETE":
        install(RuleSet())
        return 200, RuleSet().describe()
    if method != "PUT":
        return 405, _error(f"{method} is not allowed on /_paychaos/rules", "GET, PUT, DELETE")
    source = "PUT /_paychaos/rules"
    try:
        doc = json.loads(body or b"{}")
        if not isinstance(doc, dict):
            raise InputError("the body must be a JSON object", file=source,
                             valid='{"rules": [...], "seed": 1, "scenario": "name"}')
        unknown = set(doc) - {"rules", "seed", "scenario"}
        if unknown:
            raise InputError(f"unknown key {sorted(unknown)[0]!r}", file=source, field=sorted(unknown)[0],
                             valid="rules, seed, scenario")
        rules = parse_rules(doc.get("rules") or [], source=source, field="rules")
        seed = doc.get("seed", 1)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InputError(f"{seed!r} is not an integer", file=source, field="seed", valid="an integer")
        scenario = doc.get("scenario")
        if scenario is not None and not isinstance(scenario, str):
            raise InputError(f"{scenario!r} is not a name", file=source, field="scenario", valid="a string")
    except ValueError:
        return 400, _error("the body is not JSON", '{"rules": [...], "seed": 1, "scenario": "name"}')
    except InputError as exc:
        return 400, {"error": {"type": "invalid_request_error", "message": str(exc)}}
    ruleset = RuleSet(rules, seed=seed, scenario=scenario)
    install(ruleset)
    return 200, ruleset.describe()


def _error(message: str, valid: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": f"{message} (valid: {valid})"}}
