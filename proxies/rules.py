"""Fault rules: validate a scenario's `faults:` list, and decide which rules fire on an exchange.

Everything around a fault lives here, not in the faults: matching (upstream, method, path glob,
request fields, headers, webhook event type), the window relative to the scenario's start, `times`
(only the first N matching exchanges), `every` (every Nth matching exchange), and the dice.

Dice are reproducible: the draw for a rule's n-th matching exchange comes from
`Random(f"{seed}/{rule id}/{n}")`, so the same seed and the same traffic hit the same exchanges.
"""

from __future__ import annotations

import fnmatch
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from paychaos.common.call_kinds import KINDS, call_kind
from paychaos.common.errors import InputError, did_you_mean
from paychaos.proxies.faults import REGISTRY, Fault, build_fault
from paychaos.scenario.model import FaultRule, Match, Window

UPSTREAMS = ("primary", "backup", "webhooks")
GATEWAY_UPSTREAMS = ("primary", "backup")
RULE_KEYS = ("fault", "params", "match", "probability", "window", "phase", "times", "every", "id")
PHASE_KEYS = ("name", "duration_s")
MATCH_KEYS = ("upstream", "kind", "method", "path")
KIND_FORMS = "one of " + ", ".join(KINDS + ("any",)) + ", or a list of them"
FIELD_KEYS = ("payment_method", "amount", "currency", "customer", "capture_method", "confirm",
              "description", "payment_intent", "charge", "event.type")
FIELD_FORMS = ", ".join(MATCH_KEYS + FIELD_KEYS + ("metadata.KEY", "header.NAME"))
_UPSTREAM_KINDS = {"webhooks": {"webhook"}, **{u: set(KINDS) - {"webhook"} for u in GATEWAY_UPSTREAMS}}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def parse_rules(raw_list: Any, *, source: str, field: str = "faults") -> list[FaultRule]:
    """Validate a whole `faults:` list; raise InputError naming source, `faults[i].field` and valid forms."""
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        raise InputError(f"must be a list of fault rules, not {type(raw_list).__name__}", file=source,
                         field=field, valid="- fault: NAME\n  params: {...}")
    rules, seen = [], set()
    for i, raw in enumerate(raw_list):
        rule = parse_rule(raw, source=source, field=f"{field}[{i}]", default_id=f"r{i + 1}")
        if rule.id in seen:
            raise InputError(f"rule id {rule.id!r} is used twice", file=source, field=f"{field}[{i}].id",
                             valid="a unique id per rule")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def apply_phases(raw_faults: Any, raw_phases: Any, *, source: str) -> Any:
    """A scenario's `phases:` are consecutive named spans from its start (the last may be open-ended);
    a rule's `phase: NAME` takes that span as its window. Returns the `faults:` list with the windows
    filled in, for `parse_rules` (and the proxy's control API) to read as usual."""
    if raw_phases is None:
        return raw_faults
    form = "[{name: NAME, duration_s: SECONDS}, ...] (the last may leave out duration_s)"
    if not isinstance(raw_phases, list) or not raw_phases:
        raise InputError("must be a non-empty list of phases", file=source, field="phases", valid=form)
    windows: dict[str, dict] = {}
    start = 0.0
    for i, phase in enumerate(raw_phases):
        where = f"phases[{i}]"
        if not isinstance(phase, dict) or set(phase) - set(PHASE_KEYS):
            raise InputError(f"{phase!r} is not a phase", file=source, field=where, valid=form)
        name = phase.get("name")
        if not isinstance(name, str) or not name or name in windows:
            raise InputError(f"{name!r} is not a new phase name", file=source, field=f"{where}.name",
                             valid="a name used once")
        last = i == len(raw_phases) - 1
        if "duration_s" not in phase and last:
            windows[name] = {"start_s": start}
            break
        duration = _number(phase.get("duration_s"), source=source, field=f"{where}.duration_s", lo=0.0,
                           valid="seconds > 0 (only the last phase may leave it out)")
        if duration <= 0:
            raise InputError(f"{duration:g} is not a duration", file=source, field=f"{where}.duration_s",
                             valid="seconds > 0")
        windows[name] = {"start_s": start, "end_s": start + duration}
        start += duration
    if not isinstance(raw_faults, list):
        return raw_faults
    out = []
    for i, raw in enumerate(raw_faults):
        if isinstance(raw, dict) and "phase" in raw:
            where = f"faults[{i}]"
            if "window" in raw:
                raise InputError("give a phase or a window, not both", file=source, field=f"{where}.phase",
                                 valid="phase: NAME or window: {start_s, end_s}")
            name = raw["phase"]
            if name not in windows:
                raise InputError(f"unknown phase {name!r}{did_you_mean(str(name), windows)}", file=source,
                                 field=f"{where}.phase", valid=", ".join(windows))
            raw = {**raw, "window": windows[name]}
        out.append(raw)
    return out


def parse_rule(raw: Any, *, source: str, field: str, default_id: str) -> FaultRule:
    if isinstance(raw, str):
        raw = {"fault": raw}
    if not isinstance(raw, dict):
        raise InputError(f"a fault rule must be a mapping, not {type(raw).__name__}", file=source,
                         field=field, valid="{fault: NAME, params: {...}, match: {...}}")
    for key in raw:
        if key not in RULE_KEYS:
            raise InputError(f"unknown key {key!r}{did_you_mean(str(key), RULE_KEYS)}", file=source,
                             field=f"{field}.{key}", valid=", ".join(RULE_KEYS))
    if "fault" not in raw:
        raise InputError("missing 'fault'", file=source, field=f"{field}.fault", valid=", ".join(sorted(REGISTRY)))
    fault = build_fault(raw["fault"], raw.get("params"), source=source, field=field)
    match = _parse_match(raw.get("match"), fault, source=source, field=f"{field}.match")
    probability = _number(raw.get("probability", 1.0), source=source, field=f"{field}.probability",
                          lo=0.0, hi=1.0, valid="a number from 0 to 1")
    times = _count(raw.get("times"), source=source, field=f"{field}.times")
    every = _count(raw.get("every"), source=source, field=f"{field}.every")
    window = _parse_window(raw.get("window"), source=source, field=f"{field}.window")
    phase = raw.get("phase")
    if phase is not None and (window is None or not isinstance(phase, str)):
        raise InputError(f"phase {phase!r} is not one of the scenario's phases", file=source,
                         field=f"{field}.phase", valid="a name from the scenario's `phases:` list")
    rule_id = raw.get("id", default_id)
    if not isinstance(rule_id, str) or not rule_id:
        raise InputError(f"{rule_id!r} is not a name", file=source, field=f"{field}.id", valid="a short string")
    return FaultRule(fault=fault.name, params=_params_dict(fault), match=match, probability=probability,
                     window=window, times=times, every=every, id=rule_id, phase=phase)


def _params_dict(fault: Fault) -> dict:
    return {p.name: getattr(fault, p.name) for p in fault.params()}


def _parse_match(raw: Any, fault: Fault, *, source: str, field: str) -> Match:
    if raw is None:
        return Match()
    if not isinstance(raw, dict):
        raise InputError("must be a mapping", file=source, field=field, valid=FIELD_FORMS)
    upstream = raw.get("upstream")
    if upstream is not None and upstream not in UPSTREAMS:
        raise InputError(f"unknown upstream {upstream!r}{did_you_mean(str(upstream), UPSTREAMS)}",
                         file=source, field=f"{field}.upstream", valid=", ".join(UPSTREAMS))
    if upstream is not None and not set(fault.kinds) & _UPSTREAM_KINDS[upstream]:
        raise InputError(f"fault {fault.name} cannot do its job on the {upstream} upstream (it applies to: "
                         f"{', '.join(fault.kinds)} calls)", file=source, field=f"{field}.upstream",
                         valid="webhooks" if fault.kinds == ("webhook",) else ", ".join(GATEWAY_UPSTREAMS))
    kinds = _parse_kinds(raw.get("kind"), fault, upstream, source=source, field=f"{field}.kind")
    if upstream is None and kinds and set(kinds) == {"webhook"}:
        upstream = "webhooks"   # the only leg webhook calls are on (scoring reads match.upstream)
    method = raw.get("method")
    if method is not None:
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise InputError(f"{method!r} is not an HTTP method", file=source, field=f"{field}.method",
                             valid=", ".join(METHODS))
        method = method.upper()
    path = raw.get("path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise InputError(f"{path!r} is not a path glob", file=source, field=f"{field}.path",
                         valid='a glob starting with "/", e.g. "/v1/payment_intents*"')
    fields = {}
    for key, value in raw.items():
        if key in MATCH_KEYS:
            continue
        if not isinstance(key, str) or not (key in FIELD_KEYS or _prefixed(key, "metadata.")
                                            or _prefixed(key, "header.")):
            hint = did_you_mean(str(key), MATCH_KEYS + FIELD_KEYS)
            raise InputError(f"cannot match on {key!r}{hint}", file=source, field=f"{field}.{key}",
                             valid=FIELD_FORMS)
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            raise InputError(f"{value!r} is not a value to compare", file=source, field=f"{field}.{key}",
                             valid="a string (glob), a number, or a list of them (any of)")
        fields[key] = [_text(v) for v in values]
    return Match(upstream=upstream, method=method, path=path, fields=fields, kinds=kinds)


def _parse_kinds(raw: Any, fault: Fault, upstream: str | None, *, source: str, field: str) -> tuple[str, ...]:
    """`kind: payment` or `kind: [payment, capture]`; `any` (alone) is the same as no `kind`."""
    if raw is None:
        return ()
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        raise InputError("is an empty list", file=source, field=field, valid=KIND_FORMS)
    for value in values:
        if not isinstance(value, str) or value not in KINDS + ("any",):
            hint = did_you_mean(value, KINDS + ("any",)) if isinstance(value, str) else ""
            raise InputError(f"unknown kind of call {value!r}{hint}", file=source, field=field, valid=KIND_FORMS)
    if "any" in values:
        if len(values) > 1:
            raise InputError("`any` stands alone: it already covers every kind", file=source, field=field,
                             valid=KIND_FORMS)
        return ()
    kinds = tuple(dict.fromkeys(values))
    unfit = [k for k in kinds if k not in fault.kinds]
    if unfit:
        raise InputError(f"fault {fault.name} cannot do its job on {unfit[0]} calls (it applies to: "
                         f"{', '.join(fault.kinds)})", file=source, field=field,
                         valid=", ".join(fault.kinds) + (" or any" if len(fault.kinds) > 1 else ""))
    if upstream == "webhooks" and kinds != ("webhook",):
        raise InputError(f"every call on the webhooks upstream is of kind webhook, not {kinds[0]}",
                         file=source, field=field, valid="webhook (or leave `upstream` out)")
    if upstream in GATEWAY_UPSTREAMS and "webhook" in kinds:
        raise InputError(f"webhook calls are on the webhooks upstream, not {upstream}", file=source,
                         field=field, valid=", ".join(k for k in KINDS if k != "webhook"))
    return kinds


def _prefixed(key: str, prefix: str) -> bool:
    return key.startswith(prefix) and len(key) > len(prefix)


def _parse_window(raw: Any, *, source: str, field: str) -> Window | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"start_s", "end_s"}:
        raise InputError(f"{raw!r} is not a window", file=source, field=field,
                         valid="{start_s: SECONDS, end_s: SECONDS} (both relative to the scenario start)")
    start = _number(raw.get("start_s", 0.0), source=source, field=f"{field}.start_s", lo=0.0,
                    valid="seconds >= 0")
    end = raw.get("end_s")
    if end is not None:
        end = _number(end, source=source, field=f"{field}.end_s", lo=0.0, valid="seconds >= 0")
        if end <= start:
            raise InputError(f"end_s {end:g} is not after start_s {start:g}", file=source,
                             field=f"{field}.end_s", valid="a number greater than start_s")
    return Window(start_s=start, end_s=end)


def _number(value: Any, *, source: str, field: str, lo: float | None = None, hi: float | None = None,
            valid: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InputError(f"{value!r} is not valid", file=source, field=field, valid=valid)
    return float(value)


def _count(value: Any, *, source: str, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{value!r} is not a count", file=source, field=field, valid="an integer >= 1")
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rule_to_dict(rule: FaultRule) -> dict:
    """A rule as the scenario file (and the control API) spells it."""
    out: dict = {"id": rule.id, "fault": rule.fault, "params": dict(rule.params)}
    kinds = rule.match.kinds
    match = {k: v for k, v in (("upstream", rule.match.upstream),
                               ("kind", (kinds[0] if len(kinds) == 1 else list(kinds)) if kinds else None),
                               ("method", rule.match.method), ("path", rule.match.path)) if v is not None}
    match.update({k: (v[0] if len(v) == 1 else v) for k, v in rule.match.fields.items()})
    if match:
        out["match"] = match
    if rule.probability != 1.0:
        out["probability"] = rule.probability
    if rule.window:
        out["window"] = {"start_s": rule.window.start_s, "end_s": rule.window.end_s}
    if rule.phase:
        out["phase"] = rule.phase
    for key in ("times", "every"):
        if getattr(rule, key) is not None:
            out[key] = getattr(rule, key)
    return out


# ---------------------------------------------------------------- at run time

@dataclass
class Candidate:
    """What a rule needs to know about an exchange to decide whether it matches."""

    upstream: str
    method: str
    path: str
    fields: dict                      # journal's key request fields (metadata as a dict)
    headers: Mapping[str, str]        # looked up by lower-case name (mitmproxy's Headers ignore case)
    event_type: str | None = None
    _kind: str | None = field(default=None, init=False, repr=False, compare=False)
    _by_name: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """A request header by lower-case name (several of one name joined by ", ", as mitmproxy's
        Headers do). From mitmproxy's Headers, all are read in one pass over the raw fields the first
        time a rule asks: each of its own lookups decodes and compares every field again."""
        fields = getattr(self.headers, "fields", None)
        if fields is None:
            return self.headers.get(name)
        if self._by_name is None:
            by_name: dict[str, str] = {}
            for key, value in fields:
                k = key.decode("utf-8", "surrogateescape").lower()
                v = value.decode("utf-8", "surrogateescape")
                by_name[k] = f"{by_name[k]}, {v}" if k in by_name else v
            self._by_name = by_name
        return self._by_name.get(name)

    @property
    def kind(self) -> str:
        """The kind of call (paychaos.common.call_kinds), worked out once, when a rule first asks
        (a plain attribute: functools.cached_property takes a lock on every first read)."""
        if self._kind is None:
            self._kind = call_kind(self.method, self.path, self.upstream, self.fields.get("api_method"))
        return self._kind


def field_getter(key: str) -> Callable[[Candidate], str | None]:
    """How to read a match key (`currency`, `metadata.KEY`, `header.NAME`, `event.type`) from a
    Candidate as text; decided once per rule rather than once per exchange."""
    if key == "event.type":
        return lambda c: c.event_type
    if key.startswith("header."):
        name = key[len("header."):].lower()
        return lambda c: c.header(name)
    if key.startswith("metadata."):
        meta_key = key[len("metadata."):]

        def metadata(c: Candidate) -> str | None:
            value = (c.fields.get("metadata") or {}).get(meta_key)
            return None if value is None else _text(value)
        return metadata

    def request_field(c: Candidate) -> str | None:
        value = c.fields.get(key)
        return None if value is None else _text(value)
    return request_field


@dataclass
class Firing:
    rule: FaultRule
    fault: Fault
    rng: random.Random


@dataclass
class ActiveRule:
    rule: FaultRule
    fault: Fault
    matches: int = 0
    fired: int = 0
    upstreams: tuple[str, ...] = ()

    kinds: frozenset[str] | None = None   # None: every kind that can reach this rule's upstreams
    path_glob: Callable[[str], object] | None = None
    field_globs: tuple[tuple[Callable[[Candidate], str | None], Callable[[str], object]], ...] = ()
    header_globs: tuple[tuple[Callable[[Candidate], str | None], Callable[[str], object]], ...] = ()

    def __post_init__(self) -> None:
        m = self.rule.match
        if m.upstream:
            self.upstreams = (m.upstream,)
        elif m.kinds:
            self.upstreams = (("webhooks",) if "webhook" in m.kinds else ()) + (
                GATEWAY_UPSTREAMS if set(m.kinds) - {"webhook"} else ())
        else:
            self.upstreams = ("webhooks",) if self.fault.leg == "webhooks" else GATEWAY_UPSTREAMS
        # The kinds it may fire on: the rule's `kind`, else every kind the fault can do its job on. The
        # per-exchange check is left out when it could never say no (the usual case).
        wanted = frozenset(m.kinds or self.fault.kinds)
        reachable = set().union(*(_UPSTREAM_KINDS[u] for u in self.upstreams))
        self.kinds = None if reachable <= wanted else wanted
        # Globs compiled once: a rule is checked against every exchange the proxy sees.
        self.path_glob = _glob(m.path) if m.path else None
        # Checked cheapest first: request fields, then the kind, then headers (see matches_exchange).
        self.field_globs = tuple((field_getter(key), _glob(*wanted)) for key, wanted in m.fields.items()
                                 if not key.startswith("header."))
        self.header_globs = tuple((field_getter(key), _glob(*wanted)) for key, wanted in m.fields.items()
                                  if key.startswith("header."))

    def in_window(self, now: float) -> bool:
        w = self.rule.window
        return w is None or (w.start_s <= now and (w.end_s is None or now < w.end_s))

    def matches_exchange(self, c: Candidate) -> bool:
        if c.upstream not in self.upstreams:
            return False
        method = self.rule.match.method
        if method and c.method != method:
            return False
        if self.path_glob is not None and self.path_glob(c.path) is None:
            return False
        for getter, glob in self.field_globs:
            actual = getter(c)
            if actual is None or glob(actual) is None:
                return False
        if self.kinds is not None and c.kind not in self.kinds:
            return False
        for getter, glob in self.header_globs:
            actual = getter(c)
            if actual is None or glob(actual) is None:
                return False
        return True


def _glob(*patterns: str) -> Callable[[str], object]:
    """A matcher for any of the shell-style patterns, case-sensitive (fnmatchcase)."""
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)).match


@dataclass
class RuleSet:
    """The rules in force, their counters and the scenario clock."""

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 1
    scenario: str | None = None
    started_at: float = field(default_factory=time.time)
    _clock0: float = field(default_factory=time.monotonic)
    _active: list[ActiveRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._active = [ActiveRule(r, build_fault(r.fault, r.params, source="<rules>", field=r.id or "rule"))
                        for r in self.rules]
        # Per upstream, the rules that can match there (in rule order): every exchange is checked
        # against these only, so a webhook rule costs a gateway call nothing.
        self._by_upstream = {u: [a for a in self._active if u in a.upstreams] for u in UPSTREAMS}

    def elapsed_s(self) -> float:
        return time.monotonic() - self._clock0

    def decide(self, c: Candidate) -> list[Firing]:
        """The rules that fire on this exchange, in rule order. Counts every match."""
        out = []
        now = None
        for active in self._by_upstream.get(c.upstream, ()):
            rule = active.rule
            w = rule.window
            if w is not None:
                if now is None:
                    now = self.elapsed_s()
                if not (w.start_s <= now and (w.end_s is None or now < w.end_s)):
                    continue
            if not active.matches_exchange(c):
                continue
            active.matches += 1
            n = active.matches
            if rule.times is not None and n > rule.times:
                continue
            if rule.every is not None and n % rule.every != 0:
                continue
            rng = random.Random(f"{self.seed}/{rule.id}/{n}")
            if rule.probability < 1.0 and rng.random() >= rule.probability:
                continue
            active.fired += 1
            out.append(Firing(rule, active.fault, rng))
        return out

    def describe(self) -> dict:
        return {"scenario": self.scenario, "seed": self.seed, "started_at": self.started_at,
                "rules": [dict(rule_to_dict(a.rule), matched=a.matches, fired=a.fired) for a in self._active]}
