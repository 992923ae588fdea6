"""Target file v1 (DESIGN.md "Target file"): how paychaos starts and reaches a merchant integration.

`load_target(path)` validates the whole file (unknown keys and unknown placeholders are errors that
name the key, and so is a target that could never work); `render(template, values)` fills
placeholders, a whole-string placeholder keeping its type (`amount: "{order.amount}"` -> 1299);
`read_field(answer, source)` reads the merchant's answers: a JSON path (`$.a.b`), a response header
(`header.Location`) or the HTTP status code (`http_status`).
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

from paychaos.common import dialects
from paychaos.common.catalogue import load_catalogue
from paychaos.common.errors import InputError, brief, did_you_mean
from paychaos.common.netsafety import parse_http_url
from paychaos.common.paths import builtin_targets_dir, target_file
from paychaos.scenario.fields import Section, join, kind_of, read_yaml
from paychaos.scenario.model import FLOW_NAMES
from paychaos.target_page import PageSpec, parse_page

BUILTIN_TARGETS = builtin_targets_dir()

# Placeholders filled once per run (the services' URLs) and once per checkout.
RUN_PLACEHOLDERS = ("port", "gateway_url", "backup_gateway_url", "webhook_secret", "proxy_url", "ca_cert", "python")
# -- gateway dialects (paychaos.common.dialects): `dialect:` names the API each gateway speaks ----------
RUN_PLACEHOLDERS = RUN_PLACEHOLDERS + dialects.placeholders()   # {alipay.app_id}...: from its gateway's ready line
# ---------------------------------------------------------------------------------------------------------
CHECKOUT_PLACEHOLDERS = (
    "order.id", "order.amount", "order.currency",
    "payment.token",
    "card.number", "card.exp_month", "card.exp_year", "card.cvc",
    "customer.name", "customer.email", "customer.phone", "customer.locale",
)
MERCHANT_ORDER_ID = "order.merchant_id"  # the id the merchant minted, read by checkout.outcome.order_id
AFTER_CHECKOUT_PLACEHOLDERS = (MERCHANT_ORDER_ID,)  # order_status and cancel only
FORWARD_PLACEHOLDERS = ("proxy_url", "ca_cert")  # only filled when the proxy runs a forward listener
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ORDER_STATES = ("paid", "pending", "failed", "canceled", "refunded")  # the canonical order-status words
HTTP_STATUS = "http_status"
HEADER_PREFIX = "header."
FIELD_FORMS = "a JSON path ($.status, $.order.items.0.sku), header.NAME (header.Location) or http_status"

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\}")
_JSON_PATH = re.compile(r"^\$(\.[^.\s]+)*$")
_ENV_NAME = re.compile(r"^[^=\x00]+$")
_HEADER = re.compile(r"^header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP token (RFC 9110 field name)
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_PUBLISHABLE = re.compile(r"^pk_test_[A-Za-z0-9_]+$")

# How the customer's browser takes part in a checkout (docs/flows/): `server` the merchant confirms the
# payment itself; `client_secret` the answer carries a PaymentIntent's client secret and the browser
# confirms it (stripe.js); `redirect` the answer sends the browser to a hosted payment page; `browser` a
# real browser opens the merchant's own checkout page and pays on it (docs/browser.md); `qr` the answer
# carries a QR code's content and the customer's phone scans it and pays (docs/flows/qr.md).
FLOWS = FLOW_NAMES   # one list, the scenario model's (a scenario's `flows:` names them too)
CLIENT_SECRET_PATHS = ("$.clientSecret", "$.client_secret")  # where a client secret is looked for by default
QR_PATHS = ("$.qr", "$.code_url", "$.qr_code")   # where a QR code's content is looked for by default (flow qr)
DEFAULT_PUBLISHABLE_KEY = "pk_test_paychaos"


@dataclass(frozen=True)
class Shop:
    """What the shop claims to have, so the score grades only what exists."""

    gateways: int = 1                      # 1: no backup gateway, so `fallback.backup_used` is not graded
    languages: tuple[str, ...] = ("en",)   # language prefixes served; customers are drawn from these
    paid_message: bool = False             # whether a paid answer carries a message worth grading
    flow: str = "server"                   # checkout.flow: who confirms the payment (FLOWS)

    def serves(self, locale: str) -> bool:
        return language_of(locale) in self.languages


def language_of(locale: str) -> str:
    """`zh_CN` / `zh-CN` / `ZH` -> `zh`."""
    return locale.replace("-", "_").split("_")[0].lower()


@dataclass(frozen=True)
class Call:
    """One HTTP request to the merchant: method, path template, optional JSON or form body template."""

    method: str
    path: str
    json: object = None
    form: object = None


@dataclass(frozen=True)
class Answer:
    """What the merchant answered: the HTTP status, the response headers, the parsed JSON body or None."""

    http_status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: object = None


def matches(raw, words: tuple) -> bool:
    """Whether the merchant's value is one of the words (`*` in a word is a wildcard: `/orders/*`).
    Compared as text, so `200` matches the HTTP status 200 and `true` a JSON true."""
    if raw is None:
        return False
    text = _text(raw)
    return any(_text(w) == text or (isinstance(w, str) and "*" in w and fnmatchcase(text, w)) for w in words)


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class Outcome:
    status: str                        # where the status is: JSON path, header.NAME or http_status
    paid: tuple[str, ...] = ("paid",)
    pending: tuple[str, ...] = ("pending",)
    message: str | None = None         # JSON path or header.NAME
    alternatives: str | None = None    # JSON path
    order_id: str | None = None        # JSON path or header.NAME: the order id the merchant minted
    client_secret: str | None = None   # JSON path: the PaymentIntent's client secret (flow client_secret)
    redirect_url: str | None = None    # JSON path or header.NAME: the hosted page's URL (flow redirect)
    qr: str | None = None              # JSON path or header.NAME: the QR code's content (flow qr; None: QR_PATHS)

    def classify(self, raw_status) -> str:
        """The merchant's own status word -> paid | pending | failed."""
        if matches(raw_status, self.paid):
            return "paid"
        if matches(raw_status, self.pending):
            return "pending"
        return "failed"

    def sources(self) -> tuple[str, ...]:
        return tuple(s for s in (self.status, self.message, self.alternatives, self.order_id) if s)


@dataclass(frozen=True)
class OrderState:
    """How to read an order-status answer: where the status and the fulfilment counter are, and the
    merchant's own words for each canonical state (a word no list names is kept as it is)."""

    status: str = "$.status"
    fulfilled: str | None = None       # JSON path of the fulfilment counter (a number, or a list: its length)
    words: tuple[tuple[str, tuple[str, ...]], ...] = tuple((s, (s,)) for s in ORDER_STATES)

    def canonical(self, raw) -> str | None:
        """The merchant's word -> paid | pending | failed | canceled | refunded (or the word itself)."""
        if raw is None:
            return None
        for state, words in self.words:
            if matches(raw, words):
                return state
        return _text(raw)

    def counter(self, body) -> int | None:
        """The fulfilment count at the target's path: a number, or how many entries a list holds."""
        value = extract(body, self.fulfilled)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int | float):
            return int(value)
        if isinstance(value, list | dict):
            return len(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return None


@dataclass(frozen=True)
class Start:
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str | None = None      # GET until 2xx; None -> until the port accepts connections
    ready_timeout_s: float = 20.0
    cwd: str | None = None             # absolute; given relative to the target file's folder
    forward: bool = False              # start.forward: the app keeps https://api.stripe.com (forward mode)


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    checkout: Call
    outcome: Outcome
    start: Start | None = None
    webhook_path: str | None = None
    order_status: Call | None = None
    order_state: OrderState = OrderState()
    cancel: Call | None = None
    shop: Shop = Shop()
    path: str = ""
    flow: str = "server"               # checkout.flow (FLOWS)
    publishable_key: str = DEFAULT_PUBLISHABLE_KEY  # what the browser's calls carry as `key` (client_secret flow)
    page: PageSpec | None = None       # checkout.page (flow browser)
    catalogue: str | None = None       # absolute path of a catalogue file the gateways are seeded with
    gateway_dialects: tuple[tuple[str, str], ...] = (("primary", "stripe"), ("backup", "stripe"))  # `dialect:`

    @property
    def dialect_of(self) -> dict[str, str]:
        """{"primary": "stripe", "backup": "alipay"}: the API each gateway of the run speaks."""
        return dict(self.gateway_dialects)

    @property
    def order_status_field(self) -> str:
        return self.order_state.status

    def uses(self, *names: str) -> bool:
        """Whether any template of this target mentions one of these placeholders."""
        text = repr((self.start, self.base_url, self.checkout, self.order_status, self.cancel))
        return any("{" + n + "}" in text for n in names)

    @property
    def forward(self) -> bool:
        """Whether the proxy runs its forward listener: `start.forward: true`, or a template uses
        {proxy_url} / {ca_cert} (forward mode spelt out by hand)."""
        return bool(self.start and self.start.forward) or self.uses(*FORWARD_PLACEHOLDERS)

    @property
    def fixed_port(self) -> bool:
        """Whether base_url names its own port (no `{port}`): every run reaches the same merchant."""
        return "{port}" not in self.base_url

    def check_workers(self, workers: int, *, flag: str = "-n/--workers") -> None:
        """Several workers with one fixed merchant address would each see the others' traffic."""
        if workers > 1 and self.fixed_port:
            raise InputError(
                f"'{self.base_url}' is one fixed address, but {flag} asks for {workers} workers: each worker "
                "would drive, and score, the same merchant, seeing the other workers' orders and gateway "
                "traffic", file=self.path or None, field="base_url",
                valid='"http://127.0.0.1:{port}" with a `start` section (each worker starts its own merchant), '
                      "or one worker (-n 1)")


def gateway_flags(target: Target) -> tuple[str, ...]:
    """What `paychaos gateway` is started with for this target (its catalogue, when it names one)."""
    return ("--catalogue", target.catalogue) if target.catalogue else ()


def load_target(path: str | None = None) -> Target:
    """A target file (or a built-in target's name: `resilient`, `naive`) -> Target. None -> the
    built-in resilient reference merchant."""
    file = target_file(str(path)) if path else str(BUILTIN_TARGETS / "resilient.yaml")
    return parse_target(read_yaml(file), file=file)


def parse_target(data, *, file: str) -> Target:
    top = Section(data, file=file, required=("name", "base_url", "checkout"),
                  allowed=("version", "name", "shop", "start", "base_url", "webhook_path", "checkout",
                           "order_status", "cancel", "publishable_key", "catalogue", "dialect"))
    top.int("version", 1, lo=1, hi=1)
    run_only = RUN_PLACEHOLDERS
    per_checkout = RUN_PLACEHOLDERS + CHECKOUT_PLACEHOLDERS
    after_checkout = per_checkout + AFTER_CHECKOUT_PLACEHOLDERS

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

    checkout = top.section("checkout", allowed=("method", "path", "json", "form", "outcome", "flow", "page"),
                           required=("path",), optional=False)
    flow = _flow(checkout)
    if flow != "browser" and not checkout.has("outcome"):
        raise checkout.error("required key is missing", field=checkout.field("outcome"),
                             valid="outcome: {status: \"$.status\", message: \"$.message\"}")
    if flow != "browser" and checkout.has("page"):
        raise checkout.error(f"is only read with `flow: browser`, but the flow is {flow}",
                             field=checkout.field("page"), valid="checkout.flow: browser")
    publishable_key = top.str("publishable_key", DEFAULT_PUBLISHABLE_KEY)
    if not _PUBLISHABLE.match(publishable_key):
        raise top.error(f"{brief(publishable_key)} is not a test publishable key", field="publishable_key",
                        valid="pk_test_... (what the shop's page hands stripe.js; live keys are never used)")
    order_status = top.section("order_status", allowed=("method", "path", "status", "fulfilled", *ORDER_STATES),
                               required=("path",))
    cancel = top.section("cancel", allowed=("method", "path"), required=("path",))
    outcome = _outcome(checkout) if checkout.has("outcome") else Outcome(status="$.status")
    page = parse_page(checkout, per_checkout, _check_placeholders) if flow == "browser" else None
    target = Target(
        name=top.str("name"),
        base_url=base_url.rstrip("/"),
        checkout=_call(checkout, "GET" if flow == "browser" else "POST", per_checkout, body=flow != "browser"),
        outcome=outcome,
        start=_start(top, run_only, file),
        webhook_path=webhook_path,
        order_status=_call(order_status, "GET", after_checkout) if order_status else None,
        order_state=_order_state(order_status) if order_status else OrderState(),
        cancel=_call(cancel, "POST", after_checkout) if cancel else None,
        path=file,
        flow=flow,
        publishable_key=publishable_key,
        page=page,
        catalogue=_catalogue(top, file),
        gateway_dialects=_dialects(top),
    )
    if target.catalogue and "stripe" not in target.dialect_of.values():
        raise top.error("a catalogue seeds Stripe's Products and Prices, but no gateway of this shop speaks "
                        "stripe", field="catalogue", valid="remove it, or a dialect with a stripe gateway")
    _check_dialect_placeholders(top, target)
    for name, sec, call in (("order_status", order_status, target.order_status), ("cancel", cancel, target.cancel)):
        if call is not None and outcome.order_id is None and "{" + MERCHANT_ORDER_ID + "}" in call.path:
            raise sec.error(f"uses {{{MERCHANT_ORDER_ID}}}, but checkout.outcome.order_id does not say where the "
                            "checkout answer carries the merchant's order id, so it could never be filled",
                            field=sec.field("path"),
                            valid=f"set checkout.outcome.order_id (e.g. \"$.id\"), or use {{order.id}} in {name}.path")
    target = _with_shop(top, target)
    return replace(target, shop=replace(target.shop, flow=flow))


def _catalogue(top: Section, file: str) -> str | None:
    """`catalogue: FILE` (relative to the target file): Products and Prices the gateways hold in every
    scenario (paychaos.common.catalogue), read now so a mistake stops the run before anything starts."""
    raw = top.str("catalogue")
    if raw is None:
        return None
    path = (Path(file).resolve().parent / Path(raw).expanduser()).resolve()
    if not path.is_file():
        raise top.error(f"'{raw}' is not a file ({path} does not exist)", field="catalogue",
                        valid="a catalogue YAML file, relative to the target file's own folder")
    load_catalogue(str(path))
    return str(path)


def _dialects(top: Section) -> tuple[tuple[str, str], ...]:
    """`dialect: alipay` (both gateways) or `dialect: {primary: stripe, backup: alipay}`."""
    raw = top.raw("dialect", "stripe")
    valid = f"one of {', '.join(dialects.NAMES)}, or {{primary: DIALECT, backup: DIALECT}}"
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in dialects.UPSTREAMS]
        if unknown:
            raise top.error(f"unknown gateway {brief(str(unknown[0]))}{did_you_mean(str(unknown[0]), dialects.UPSTREAMS)}",
                            field=join("dialect", str(unknown[0])), valid=", ".join(dialects.UPSTREAMS))
        chosen = {u: raw.get(u, "stripe") for u in dialects.UPSTREAMS}
        where = {u: join("dialect", u) for u in dialects.UPSTREAMS}
    else:
        chosen = dict.fromkeys(dialects.UPSTREAMS, raw)
        where = dict.fromkeys(dialects.UPSTREAMS, "dialect")
    for upstream, name in chosen.items():
        if not isinstance(name, str) or name not in dialects.DIALECTS:
            raise top.error(f"{brief(str(name))} is not a gateway dialect{did_you_mean(str(name), dialects.NAMES)}",
                            field=where[upstream], valid=valid)
    return tuple(chosen.items())


def _check_dialect_placeholders(top: Section, target: Target) -> None:
    """{alipay.app_id} in a target none of whose gateways speaks Alipay could never be filled."""
    spoken = set(target.dialect_of.values())
    for placeholder in dialects.placeholders():
        owner = dialects.owner(placeholder)
        if owner.name not in spoken and target.uses(placeholder):
            raise top.error(f"uses {{{placeholder}}}, which only a gateway speaking {owner.name} fills, but no "
                            f"gateway of this target does ({owner.doc})", field="dialect",
                            valid=f"dialect: {owner.name}, or dialect: {{primary: stripe, backup: {owner.name}}}")


def _flow(checkout: Section) -> str:
    flow = checkout.raw("flow", "server")
    if flow not in FLOWS:
        raise checkout.error(f"{brief(str(flow))} is not a checkout flow{did_you_mean(str(flow), FLOWS)}",
                             field=checkout.field("flow"), valid=FLOWS)
    outcome = checkout.raw("outcome")
    for key, needs in (("client_secret", "client_secret"), ("redirect_url", "redirect"), ("qr", "qr")):
        if flow != needs and isinstance(outcome, dict) and key in outcome:
            raise checkout.error(f"is only read with `flow: {needs}`, but the flow is {flow}",
                                 field=join(checkout.field("outcome"), key), valid=f"checkout.flow: {needs}")
    return flow


def _with_shop(top: Section, target: Target) -> Target:
    sec = top.section("shop", allowed=("gateways", "languages", "paid_message"))
    default_gateways = 2 if target.uses("backup_gateway_url") else 1
    if sec is None:
        return replace(target, shop=Shop(gateways=default_gateways))
    languages = sec.raw("languages", ["en"])
    if isinstance(languages, str):
        languages = [languages]
    if (not isinstance(languages, list) or not languages
            or not all(isinstance(x, str) and _LANGUAGE.match(x.lower()) for x in languages)):
        raise sec.error(f"expected a list of language prefixes, got {languages!r}", field=sec.field("languages"),
                        valid="[en], [en, zh], ... (the part of a locale before '_': en_US -> en)")
    paid_message = sec.raw("paid_message", False)
    if not isinstance(paid_message, bool):
        raise sec.error(f"expected true or false, got {kind_of(paid_message)}", field=sec.field("paid_message"),
                        valid="true, false")
    shop = Shop(gateways=sec.int("gateways", default_gateways, lo=1, hi=2),
                languages=tuple(dict.fromkeys(x.lower() for x in languages)), paid_message=paid_message)
    return replace(target, shop=shop)


def _start(top: Section, allowed: tuple[str, ...], file: str) -> Start | None:
    sec = top.section("start", allowed=("command", "env", "ready", "cwd", "forward"), required=("command",))
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
    cwd = sec.str("cwd")
    if cwd is not None:
        folder = (Path(file).resolve().parent / Path(cwd).expanduser()).resolve()
        if not folder.is_dir():
            raise sec.error(f"'{cwd}' is not a folder ({folder} does not exist)", field=sec.field("cwd"),
                            valid="a folder, relative to the target file's own folder (e.g. . or ../shop)")
        cwd = str(folder)
    forward = sec.raw("forward", False)
    if not isinstance(forward, bool):
        shown = f" {brief(forward)}" if isinstance(forward, str | int | float) else ""
        raise sec.error(f"expected true or false, got {kind_of(forward)}{shown}", field=sec.field("forward"),
                        valid="true (forward mode: paychaos gives the app HTTPS_PROXY and its CA for every "
                              "common stack, the app keeps https://api.stripe.com), false (the default)")
    return Start(command=tuple(command), env={str(k): str(v) for k, v in env.items()},
                 ready_path=ready_path, ready_timeout_s=ready_timeout or 20.0, cwd=cwd, forward=forward)


def _call(sec: Section, default_method: str, allowed: tuple[str, ...], *, body: bool = False) -> Call:
    method = sec.raw("method", default_method)
    method = method.upper() if isinstance(method, str) else method
    if method not in METHODS:
        raise sec.error(f"{brief(sec.raw('method'))} is not an HTTP method", field=sec.field("method"), valid=METHODS)
    path = sec.str("path")
    _check_path(sec, "path", path, allowed)
    json_body = sec.raw("json") if body else None
    form_body = sec.raw("form") if body else None
    if json_body is not None and form_body is not None:
        raise sec.error("has both `json` and `form`, but a request has one body", field=sec.field("form"),
                        valid="json: {...} (sent as application/json) or form: {...} "
                              "(sent as application/x-www-form-urlencoded)")
    if json_body is not None:
        _walk_placeholders(sec, json_body, sec.field("json"), allowed)
    if form_body is not None:
        if not isinstance(form_body, dict):
            raise sec.error(f"expected a mapping of form field to value, got {kind_of(form_body)}",
                            field=sec.field("form"), valid='{order_id: "{order.id}", amount: "{order.amount}"}')
        _walk_placeholders(sec, form_body, sec.field("form"), allowed)
    return Call(method=method, path=path, json=json_body, form=form_body)


def _outcome(checkout: Section) -> Outcome:
    sec = checkout.section("outcome", allowed=("status", "paid", "pending", "message", "alternatives", "order_id",
                                               "client_secret", "redirect_url", "qr"),
                           required=("status",), optional=False)
    status = _source(sec, "status", http_status=True)
    paid = _words(sec, "paid", ("paid",), nonempty=True)
    pending = _words(sec, "pending", ("pending",))
    if status == HTTP_STATUS:
        for key, words in (("paid", paid), ("pending", pending)):
            if sec.has(key) or key == "paid":
                _check_status_codes(sec, key, words)
    return Outcome(
        status=status,
        paid=paid,
        pending=pending,
        message=_source(sec, "message"),
        alternatives=_json_path(sec, "alternatives"),
        order_id=_source(sec, "order_id"),
        client_secret=_json_path(sec, "client_secret"),
        redirect_url=_source(sec, "redirect_url"),
        qr=_source(sec, "qr"),
    )


def _check_status_codes(sec: Section, key: str, words: tuple) -> None:
    """With `status: http_status`, only HTTP status codes can ever match."""
    for w in words:
        if not (str(w).isdigit() and 100 <= int(w) <= 599) and not (isinstance(w, str) and "*" in w):
            raise sec.error(f"'{w}' can never match: `status: http_status` reads the HTTP status code",
                            field=sec.field(key), valid="status codes such as [200, 303] (or a pattern: \"2*\")")


def _order_state(sec: Section) -> OrderState:
    words = []
    owner: dict[str, str] = {}
    for state in ORDER_STATES:
        listed = _words(sec, state, (state,))
        for w in listed:
            if _text(w) in owner and owner[_text(w)] != state:
                raise sec.error(f"'{w}' is listed under both {owner[_text(w)]} and {state}", field=sec.field(state),
                                valid="each word under one state")
            owner[_text(w)] = state
        words.append((state, listed))
    return OrderState(status=_json_path(sec, "status", "$.status"), fulfilled=_json_path(sec, "fulfilled"),
                      words=tuple(words))


def _words(sec: Section, key: str, default: tuple[str, ...], *, nonempty: bool = False) -> tuple[str, ...]:
    raw = sec.raw(key, list(default))
    if isinstance(raw, str | int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(w, str | int | bool) for w in raw):
        raise sec.error(f"expected a list of status values, got {kind_of(raw)}", field=sec.field(key),
                        valid='["paid", "succeeded"]')
    if nonempty and not raw:
        raise sec.error("is empty, so no answer could ever count as paid", field=sec.field(key),
                        valid='["paid", "succeeded"]')
    return tuple(raw)


def _json_path(sec: Section, key: str, default: str | None = None) -> str | None:
    value = sec.str(key, default)
    if value is not None and not _JSON_PATH.match(value):
        raise sec.error(f"{brief(value)} is not a JSON path, so it could never match", field=sec.field(key),
                        valid="$.status or $.order.status")
    return value


def _source(sec: Section, key: str, *, http_status: bool = False) -> str | None:
    """Where in the answer a value is: a JSON path, header.NAME or (for the status) http_status."""
    value = sec.str(key)
    if value is None:
        return None
    if _JSON_PATH.match(value) or _HEADER.match(value) or (http_status and value == HTTP_STATUS):
        return value
    valid = FIELD_FORMS if http_status else "a JSON path ($.message, $.error.message) or header.NAME"
    raise sec.error(f"{brief(value)} is not {'one of these forms' if http_status else 'a JSON path nor header.NAME'},"
                    " so it could never match", field=sec.field(key), valid=valid)


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
            if name in CHECKOUT_PLACEHOLDERS:
                problem = f"placeholder {{{name}}} is only filled per checkout, not here"
            elif name in AFTER_CHECKOUT_PLACEHOLDERS:
                problem = (f"placeholder {{{name}}} is only known after the checkout answered "
                           "(order_status and cancel may use it)")
            else:
                problem = f"unknown placeholder {{{name}}}{did_you_mean(name, allowed)}"
            raise sec.error(problem,
                            field=where, valid=", ".join("{" + a + "}" for a in allowed))


# -- filling and reading --------------------------------------------------------------------------

def run_values(*, port: int | None, gateway_url: str, backup_gateway_url: str | None, webhook_secret: str,
               proxy_url: str | None = None, ca_cert: str | None = None, dialect_values: dict | None = None) -> dict:
    """`dialect_values`: the dialects' placeholders (paychaos.common.dialects.values)."""
    values = dict.fromkeys(dialects.placeholders())
    values.update(dialect_values or {})
    values.update({"port": port, "gateway_url": gateway_url, "backup_gateway_url": backup_gateway_url,
                   "webhook_secret": webhook_secret, "proxy_url": proxy_url, "ca_cert": ca_cert,
                   "python": sys.executable})
    return values


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


def read_field(answer: Answer, source: str | None):
    """A value of the merchant's answer: `$.a.b` from the JSON body, `header.NAME` (any case) from the
    response headers, `http_status` the status code. None when absent."""
    if source is None:
        return None
    if source == HTTP_STATUS:
        return answer.http_status
    if source.startswith(HEADER_PREFIX):
        return header(answer.headers, source[len(HEADER_PREFIX):])
    return extract(answer.body, source)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A response header, whatever its case."""
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if str(key).lower() == wanted:
            return value
    return None
