"""The control API under /_paychaos, answered by the addon itself on every listener, never forwarded.

GET /_paychaos/health, GET|PUT|DELETE /_paychaos/rules (docs/ARCHITECTURE.md).

Locked to local callers that mean it: a Host header that is not loopback is refused (a web page
that rebinds its DNS name to 127.0.0.1 still sends its own name), so is a non-loopback `Origin` (a
page's cross-site request), and a request with a body must say `Content-Type: application/json`
(a plain HTML form cannot, so no cross-site "simple" request gets through). A DELETE without a body
needs no Content-Type: browsers never send a cross-site DELETE without asking first, and the Origin
check covers the rest. And every call, health included, must carry this run's token in
`X-Paychaos-Token` (paychaos.common.localtoken): another user of the machine reaches 127.0.0.1 as
well, and health tells how much traffic the run journaled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from paychaos.common import localtoken
from paychaos.common.errors import InputError
from paychaos.common.netsafety import is_loopback_host
from paychaos.proxies.rules import RuleSet, parse_rules

PREFIX = "/_paychaos"
WRITE_METHODS = ("PUT", "POST", "DELETE", "PATCH")


@dataclass(frozen=True)
class ControlRequest:
    method: str
    path: str
    host: str                   # the Host header (or :authority) the client sent; "" when absent
    origin: str | None = None
    token: str | None = None    # the X-Paychaos-Token header, None when absent
    content_type: str | None = None
    body: bytes = b""


def handle(req: ControlRequest, current: RuleSet, install: Callable[[RuleSet], None],
           health: Callable[[], dict], token: str) -> tuple[int, dict]:
    """Answer one control request: (HTTP status, JSON body). `token`: what X-Paychaos-Token must hold."""
    refusal = refuse(req, token)
    if refusal is not None:
        return refusal
    method = req.method
    path = req.path.split("?", 1)[0].rstrip("/")
    if path == f"{PREFIX}/health" and method == "GET":
        return 200, health()
    if path != f"{PREFIX}/rules":
        return 404, _error(f"no control endpoint {method} {path}",
                           "GET /_paychaos/health, GET|PUT|DELETE /_paychaos/rules")
    if method == "GET":
        return 200, {**current.describe(), "health": health()}
    if method == "DELETE":
        install(RuleSet())
        return 200, RuleSet().describe()
    if method != "PUT":
        return 405, _error(f"{method} is not allowed on /_paychaos/rules", "GET, PUT, DELETE")
    return _put_rules(req.body, install)


def refuse(req: ControlRequest, token: str) -> tuple[int, dict] | None:
    """403 for a non-loopback Host or Origin, 401 without the token and 403 with a wrong one, 415 for
    a body that is not said to be JSON; else None."""
    host = host_name(req.host)
    if host and not is_loopback_host(host):
        return 403, _error(f"the control API answers loopback Host headers only, not {host!r}",
                           "Host: 127.0.0.1:PORT or localhost:PORT")
    if req.origin is not None:
        origin = urlsplit(req.origin.strip()).hostname if "://" in req.origin else None
        if not origin or not is_loopback_host(origin):
            return 403, _error(f"the control API refuses requests from the origin {req.origin[:100]!r}",
                               "no Origin header, or a loopback one")
    refused = localtoken.refusal(req.token, token, "the control API")
    if refused is not None:
        return refused[0], _error(refused[1], f"{localtoken.HEADER}: the token of this proxy's ready line")
    if req.method in WRITE_METHODS and (req.body or req.method != "DELETE"):
        media = (req.content_type or "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return 415, _error(f"a {req.method} must carry Content-Type: application/json, not "
                               f"{(req.content_type or 'none')[:100]!r}", "Content-Type: application/json")
    return None


def host_name(host_header: str) -> str:
    """The host of a Host header: `127.0.0.1:8080` -> `127.0.0.1`, `[::1]:80` -> `::1`."""
    host = host_header.strip()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.lower().rstrip(".")


def _put_rules(body: bytes, install: Callable[[RuleSet], None]) -> tuple[int, dict]:
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
    except (ValueError, RecursionError):
        return 400, _error("the body is not JSON", '{"rules": [...], "seed": 1, "scenario": "name"}')
    except InputError as exc:
        return 400, {"error": {"type": "invalid_request_error", "message": str(exc)}}
    ruleset = RuleSet(rules, seed=seed, scenario=scenario)
    install(ruleset)
    return 200, ruleset.describe()


def _error(message: str, valid: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": f"{message} (valid: {valid})"}}
