"""What a fault is: a small typed unit with a name, parameters whose names carry their units, and
an apply step. Matching, probability, windows, counts and dice live in the rule wrapper
(`paychaos.proxies.rules`), never in a fault.

A fault acts on an `Exchange` (the addon's adapter around one mitmproxy flow), so fault modules do
not import mitmproxy and can be read on their own.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

from paychaos.common.call_kinds import KINDS
from paychaos.common.errors import InputError, did_you_mean


class Exchange(Protocol):
    """One request/response through the proxy, as a fault sees it (implemented in paychaos.proxies.exchange)."""

    rng: Any                      # random.Random seeded from (seed, rule id, match number)
    upstream: str                 # primary | backup | webhooks
    method: str
    path: str
    fields: dict                  # key request fields (amount, currency, payment_method, metadata, ...)

    def request_body(self) -> bytes: ...
    def request_header(self, name: str) -> str | None: ...
    def respond(self, status: int, body: dict | bytes, headers: dict | None = None) -> None: ...
    def response_status(self) -> int | None: ...
    def response_json(self) -> dict | None: ...
    def response_body(self) -> bytes: ...
    def replace_response(self, status: int | None = None, body: dict | bytes | None = None,
                         headers: dict | None = None) -> None: ...
    def set_request_field(self, name: str, value: str) -> None: ...
    def not_applied(self) -> None: ...  # in on_response: nothing to act on here; the journal won't list it
    def kill(self, *, reset: bool) -> None: ...
    def hang(self) -> None: ...
    def refuse(self) -> None: ...
    def trickle(self, bytes_per_s: float) -> None: ...
    def deliver_again(self, delay_s: float = 0.0) -> None: ...
    def deliver_after_next(self, hold_s: float) -> None: ...
    def deliver_forged(self, body: bytes, signature: str | None, *, mode: str, delay_s: float = 0.0,
                       headers: dict[str, str | None] | None = None) -> None: ...
    async def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Fault:
    """Base of every fault. Subclasses are frozen dataclasses whose fields are the parameters.

    `on_request` runs before the request goes upstream; `on_response` after the upstream answered.
    A fault implements the one it needs (decline is the only one that uses both).
    """

    name: ClassVar[str] = ""
    leg: ClassVar[str] = "gateway"        # gateway | webhooks: which leg it makes sense on
    # The kinds of call (paychaos.common.call_kinds) it can do its job on: a rule never fires it on
    # another kind, and a rule's `match.kind` outside these is an input error.
    kinds: ClassVar[tuple[str, ...]] = KINDS
    units: ClassVar[dict[str, str]] = {}  # param -> human unit/valid range for `paychaos list`

    async def on_request(self, ex: Exchange) -> None:
        return None

    async def on_response(self, ex: Exchange) -> None:
        return None

    def check(self) -> str | None:
        """Cross-parameter validation: return a message naming the bad parameter, or None."""
        return None

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def params(cls) -> list[ParamSpec]:
        hints = typing.get_type_hints(cls)
        out = []
        for f in dataclasses.fields(cls):
            default = None if f.default is dataclasses.MISSING else f.default
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            out.append(ParamSpec(f.name, hints[f.name], default, required, f.metadata.get("min"),
                                 f.metadata.get("max"), f.metadata.get("help", "")))
        return out


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: Any
    default: Any
    required: bool
    min: float | None = None
    max: float | None = None
    help: str = ""

    def type_text(self) -> str:
        return _type_text(self.type)

    def summary(self) -> str:
        text = f"{self.name}: {self.type_text()}"
        if self.min is not None or self.max is not None:
            text += f" [{'' if self.min is None else self.min}..{'' if self.max is None else self.max}]"
        if not self.required:
            text += f" = {self.default!r}"
        return text

    def coerce(self, value: Any, *, source: str, field: str) -> Any:
        """Check one value against this parameter's type and range; return it in its proper type."""
        t = self.type
        args = typing.get_args(t)
        if typing.get_origin(t) in (typing.Union, _UnionType) and type(None) in args:
            if value is None:
                return None
            t = next(a for a in args if a is not type(None))
        ok, out = _coerce(t, value)
        if not ok:
            raise InputError(f"{value!r} is not {_type_text(t)}", file=source, field=field,
                             valid=self.summary())
        if isinstance(out, int | float) and not isinstance(out, bool):
            if (self.min is not None and out < self.min) or (self.max is not None and out > self.max):
                raise InputError(f"{out!r} is out of range", file=source, field=field, valid=self.summary())
        return out


_UnionType = type(int | None)


def _coerce(t: Any, value: Any) -> tuple[bool, Any]:
    if typing.get_origin(t) is Literal:
        return (value in typing.get_args(t)), value
    if t is bool:
        return isinstance(value, bool), value
    if t is int:
        return (isinstance(value, int) and not isinstance(value, bool)), value
    if t is float:
        return (isinstance(value, int | float) and not isinstance(value, bool)), float(value) if isinstance(
            value, int | float) else value
    if t is str:
        return isinstance(value, str), value
    return False, value


def _type_text(t: Any) -> str:
    if typing.get_origin(t) is Literal:
        return " | ".join(str(a) for a in typing.get_args(t))
    args = typing.get_args(t)
    if typing.get_origin(t) in (typing.Union, _UnionType):
        return " | ".join(_type_text(a) for a in args if a is not type(None)) + " (optional)"
    return {int: "integer", float: "number", str: "string", bool: "true | false"}.get(t, str(t))


def param(default: Any = dataclasses.MISSING, *, min: float | None = None, max: float | None = None,
          help: str = "") -> Any:
    """A fault parameter with an optional range and a help text for `paychaos list`."""
    meta = {"min": min, "max": max, "help": help}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


REGISTRY: dict[str, type[Fault]] = {}


def register(cls: type[Fault]) -> type[Fault]:
    """Class decorator: make a fault available to scenarios under its `name`."""
    if not cls.name or cls.name in REGISTRY:
        raise ValueError(f"fault name {cls.name!r} is empty or taken")
    REGISTRY[cls.name] = cls
    return cls


def build_fault(name: Any, params: Any, *, source: str, field: str) -> Fault:
    """Validate a fault name and its params against the registry and build the fault."""
    if not isinstance(name, str) or name not in REGISTRY:
        hint = did_you_mean(name, REGISTRY) if isinstance(name, str) else ""
        raise InputError(f"unknown fault {name!r}{hint}", file=source, field=f"{field}.fault",
                         valid=", ".join(sorted(REGISTRY)))
    cls = REGISTRY[name]
    specs = {p.name: p for p in cls.params()}
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InputError(f"params must be a mapping, not {type(params).__name__}", file=source,
                         field=f"{field}.params", valid=_params_text(cls))
    values = {}
    for key, value in params.items():
        if key not in specs:
            raise InputError(f"unknown parameter {key!r} for fault {name}{did_you_mean(str(key), specs)}",
                             file=source, field=f"{field}.params.{key}", valid=_params_text(cls))
        values[key] = specs[key].coerce(value, source=source, field=f"{field}.params.{key}")
    missing = [p.name for p in specs.values() if p.required and p.name not in values]
    if missing:
        raise InputError(f"fault {name} needs parameter {missing[0]!r}", file=source,
                         field=f"{field}.params.{missing[0]}", valid=_params_text(cls))
    fault = cls(**values)
    problem = fault.check()
    if problem:
        raise InputError(problem, file=source, field=f"{field}.params", valid=_params_text(cls))
    return fault


def _params_text(cls: type[Fault]) -> str:
    specs = cls.params()
    return "{" + ", ".join(p.summary() for p in specs) + "}" if specs else "{} (no parameters)"
