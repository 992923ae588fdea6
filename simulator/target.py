"""Target file v1 (DESIGN.md "Target file"): how paychaos starts and reaches a merchant integration.

`load_target(path)` validates the whole file (unknown keys and unknown placeholders are errors that
name the key); `render(template, values)` fills placeholders, a whole-string placeholder keeping its
type (`amount: "{order.amount}"` -> 1299); `extract(body, "$.a.b")` reads the merchant's answers.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from simulator.common.errors import InputError, brief, did_you_mean
from simulator.common.netsafety import parse_http_url
from simulator.scenario.fields import Section, join, kind_of, read_yaml

BUILTIN_TARGETS = Path(__file__).resolve().parent / "merchants" / "targets"

# Placeholders filled once per run (the services' URLs) and once per checkout.
RUN_PLACEHOLDERS = ("port", "gateway_url", "backup_gateway_url", "webhook_secret", "proxy_url", "ca_cert", "python")
CHECKOUT_PLACEHOLDERS = (
    "order.id", "order.amount", "order.currency",
    "payment.token",
    "card.number", "card.exp_month", "card.exp_year", "card.cvc",
    "customer.name", "customer.email", "customer.phone", "customer.locale",
)
FORWARD_PLACEHOLDERS = ("proxy_url", "ca_cert")  # only filled when the proxy runs a forward listener
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)?)\}")
_JSON_PATH = re.compile(r"^\$(\.[^.\s]+)*$")
_ENV_NAME = re.compile(r"^[^=\x00]+$")


@dataclass(frozen=True)
class Call:
    """One HTTP request to the merchant: method, path template, optional JSON body template."""

    method: str
    path: str
    json: object = None


@dataclass(frozen=True)
class Outcome:
    status: str                        # JSON path of the status in the checkout answer
    paid: tuple[str, ...] = ("paid",)
    pending: tuple[str, ...] = ("pending",)
    message: str | None = None         # JSON path
    alternatives: str | None = None    # JSON path

    def classify(self, raw_status) -> str:
        """The merchant's own status word -> paid | pending | failed."""
        if raw_status in self.paid:
            return "paid"
        if raw_status in self.pending:
            return "pending"
        return "failed"


@dataclass(frozen=True)
class Start:
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str | None = None      # GET until 2xx; None -> until the port accepts connections
    ready_timeout_s: float = 20.0


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    checkout: Call
    outcome: Outcome
    start: Start | None = None
    webhook_path: str | None = None
    order_status: Call | None = None
    order_status_field: str = "$.status"
    cancel: Call | None = None
    path: str = ""

    def uses(self, *names: str) -> bool:
        """Whether any template of this target mentions one of these placeholders."""
        text = repr((self.start, self.base_url, self.checkout, self.order_status, self.cancel))
        return any("{" + n + "}" in text for n in names)


def load_target(path: str | None = None) -> Target:
    """A target file -> Target. None -> the built-in resilient reference merchant."""
    file = str(path) if path else str(BUILTIN_TARGETS / "resilient.yaml")
    return parse_target(read_yaml(file), file=file)


def parse_target(data, *, file: str) -> Target:
    top = Section(data, file=file, required=("name", "base_url", "checkout"),
                  allowed=("version", "name", "start", "base_url", "webhook_path", "checkout",
                           "order_status", "cancel"))
    top.int("version", 1, lo=1, hi=1)
    run_only = RUN_PLACEHOLDERS
    per_checkout = RUN_PLACEHOLDERS + CHECKOUT_PLACEHOLDERS

    base_url = top.str("base_url")
    _check_placeholders(top, base_url, "base_url", run_only)
    if not re.match(r"^https?://", base_url):
        raise top.error(f"{brief(base_url)} is not an http(s) URL", field="base_url",
                        valid="http://127.0.0.1:{port} or http://HOST:PORT")
    # port, host, no credentials, no path (the proxy's webhooks listener is a reverse proxy to it)
    parse_http_url(_PLACEHOLDER.sub("1", base_url), field="base_url", file=file, base_only=True)
    webhook_path = top.str("webhook_path")
    if webhook_path is not None:
        _check_path(top, "webhook_path", webhook_path, ())

    checkout = top.section("checkout", allowed=("method", "path", "json", "outcome"),
                           required=("path", "outcome"), optional=False)
    order_status = top.section("order_status", allowed=("method", "path", "status"), required=("path",))
    cancel = top.section("cancel", allowed=("method", "path"), required=("path",))
    return Target(
        name=top.str("name"),
        base_url=base_url.rstrip("/"),
        checkout=_call(checkout, "POST", per_checkout, body=True),
        outcome=_outcome(checkout),
        start=_start(top, run_only),
        webhook_path=webhook_path,
        order_status=_call(order_status, "GET", per_checkout) if order_status else None,
        order_status_field=_json_path(order_status, "status", "$.status") if order_status else "$.status",
        cancel=_call(cancel, "POST", per_checkout) if cancel else None,
        path=file,
    )


def _start(top: Section, allowed: tuple[str, ...]) -> Start | None:
    sec = top.section("start", allowed=("command", "env", "ready"), required=("command",))
    if sec is None:
        return None
    command = sec.raw("command")
    if isinstance(command, str) and command.strip():
        command = shlex.split(command)
    if not isinstance(command, list) or not command or not all(isinstance(a, str | int) for a in command):
        raise sec.error(f"expected a list of arguments, got {kind_of(command)}", field=sec.field("command"),
                        valid='["python", "-m", "myshop", "--port", "{port}"]')
    command = [str(a) for a in command]
    for i, arg in enumerate(command):
        _check_placeholders(sec, arg, join(sec.field("command"), i), allowed)
    env = sec.raw("env", {}) or {}
    if not isinstance(env, dict):
        raise sec.error(f"expected a mapping of variable to value, got {kind_of(env)}",
                        field=sec.field("env"), valid='STRIPE_API_BASE: "{gateway_url}"')
    for name, value in env.items():
        if not isinstance(name, str) or not _ENV_NAME.match(name):
            raise sec.error(f"{brief(str(name))} is not an environment variable name",
                            field=join(sec.field("env"), str(name)), valid="a name without '=', e.g. STRIPE_API_BASE")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise sec.error(f"expected a string, got {kind_of(value)}", field=join(sec.field("env"), str(name)),
                            valid='"{gateway_url}" or any text')
        _check_placeholders(sec, str(value), join(sec.field("env"), str(name)), allowed)
    ready = sec.section("ready", allowed=("path", "timeout_s"))
    ready_path = ready_timeout = None
    if ready is not None:
        ready_path = ready.str("path")
        if ready_path is not None:
            _check_path(ready, "path", ready_path, allowed)
        ready_timeout = ready.number("timeout_s", 20.0, above=0, hi=600)
    return Start(command=tuple(command), env={str(k): str(v) for k, v in env.items()},
                 ready_path=ready_path, ready_timeout_s=ready_timeout or 20.0)


def _call(sec: Section, default_method: str, allowed: tuple[str, ...], *, body: bool = False) -> Call:
    method = sec.raw("method", default_method)
    method = method.upper() if isinstance(method, str) else method
    if method not in METHODS:
        raise sec.error(f"{brief(sec.raw('method'))} is not an HTTP method", field=sec.field("method"), valid=METHODS)
    path = sec.str("path")
    _check_path(sec, "path", path, allowed)
    json_body = sec.raw("json") if body else None
    if json_body is not None:
        _walk_placeholders(sec, json_body, sec.field("json"), allowed)
    return Call(method=method, path=path, json=json_body)


def _outcome(checkout: Section) -> Outcome:
    sec = checkout.section("outcome", allowed=("status", "paid", "pending", "message", "alternatives"),
                           required=("status",), optional=False)
    return Outcome(
        status=_json_path(sec, "status"),
        paid=_words(sec, "paid", ("paid",)),
        pending=_words(sec, "pending", ("pending",)),
        message=_json_path(sec, "message"),
        alternatives=_json_path(sec, "alternatives"),
    )


def _words(sec: Section, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = sec.raw(key, list(default))
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(w, str | int | bool) for w in raw):
        raise sec.error(f"expected a list of status values, got {kind_of(raw)}", field=sec.field(key),
                        valid='["paid", "succeeded"]')
    return tuple(raw)


def _json_path(sec: Section, key: str, default: str | None = None) -> str | None:
    value = sec.str(key, default)
    if value is not None and not _JSON_PATH.match(value):
        raise sec.error(f"{brief(value)} is not a JSON path", field=sec.field(key), valid="$.status or $.order.status")
    return value


def _check_path(sec: Section, key: str, path: str, allowed: tuple[str, ...]) -> None:
    if not path.startswith("/"):
        raise sec.error(f"{brief(path)} does not start with '/'", field=sec.field(key), valid="/checkout")
    _check_placeholders(sec, path, sec.field(key), allowed)


def _walk_placeholders(sec: Section, value, where: str, allowed: tuple[str, ...]) -> None:
    if isinstance(value, str):
        _check_placeholders(sec, value, where, allowed)
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk_placeholders(sec, v, join(where, str(k)), allowed)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk_placeholders(sec, v, join(where, i), allowed)


def _check_placeholders(sec: Section, text: str, where: str, allowed: tuple[str, ...]) -> None:
    for name in _PLACEHOLDER.findall(text):
        if name not in allowed:
            problem = (f"placeholder {{{name}}} is only filled per checkout, not here"
                       if name in CHECKOUT_PLACEHOLDERS else
                       f"unknown placeholder {{{name}}}{did_you_mean(name, allowed)}")
            raise sec.error(problem,
                            field=where, valid=", ".join("{" + a + "}" for a in allowed))


# -- filling and reading --------------------------------------------------------------------------

def run_values(*, port: int | None, gateway_url: str, backup_gateway_url: str | None, webhook_secret: str,
               proxy_url: str | None = None, ca_cert: str | None = None) -> dict:
    return {"port": port, "gateway_url": gateway_url, "backup_gateway_url": backup_gateway_url,
            "webhook_secret": webhook_secret, "proxy_url": proxy_url, "ca_cert": ca_cert,
            "python": sys.executable}


def render(template, values: dict, *, file: str = "", where: str = ""):
    """Fill placeholders in a string, list or mapping. A whole-string placeholder keeps its type."""
    if isinstance(template, dict):
        return {k: render(v, values, file=file, where=join(where, str(k))) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values, file=file, where=join(where, i)) for i, v in enumerate(template)]
    if not isinstance(template, str):
        return template
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return _value(whole.group(1), values, file, where, allow_none=True)

    def fill(m: re.Match) -> str:
        return str(_value(m.group(1), values, file, where, allow_none=False))

    return _PLACEHOLDER.sub(fill, template)


def _value(name: str, values: dict, file: str, where: str, *, allow_none: bool):
    if name not in values or (values[name] is None and not allow_none):
        why = ("the proxy runs no forward listener in this run" if name in FORWARD_PLACEHOLDERS
               else "nothing fills it in this run")
        raise InputError(f"placeholder {{{name}}} is unfilled: {why}", file=file or None, field=where or None)
    return values[name]


def render_strings(template, values: dict, *, file: str, where: str):
    """Like render, but every result must be text (argv, environment): None is an unfilled placeholder."""
    out = render(template, values, file=file, where=where)
    if out is None:  # only a whole-string placeholder gives None
        _value(_PLACEHOLDER.fullmatch(template).group(1), values, file, where, allow_none=False)
    return str(out)


def extract(body, path: str | None):
    """`$.a.b` (numbers index lists) -> the value, or None when absent."""
    if path is None:
        return None
    value = body
    for part in path.split(".")[1:]:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
