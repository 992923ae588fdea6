"""Load and validate scenario files (the language of DESIGN.md's "Scenario file").

Every file is validated whole before anything starts; a mistake is an InputError naming the file,
the path to the field (`customers.cards.pm_card_vsa`, `faults[2].params.delay_ms`), the valid forms
and the nearest valid name. Fault rules are validated by the proxy's own parser.
"""

from __future__ import annotations

import re
from pathlib import Path

from paychaos.common import dialects
from paychaos.common.errors import InputError, brief, did_you_mean
from paychaos.common.paths import builtin_scenarios_dir, scenario_file
from paychaos.common.strict_yaml import INT64_MAX
from paychaos.scenario.cards import CANONICAL_TOKENS, TEST_CARDS
from paychaos.scenario.fields import Section, join, kind_of, read_yaml
from paychaos.scenario.model import (
    FLOW_NAMES,
    LOCALES,
    PROMPT_CATEGORIES,
    REQUIRES,
    Action,
    Cause,
    Customers,
    Expect,
    Scenario,
)

BUILTIN_DIR = builtin_scenarios_dir()
# Built-in scenario sets kept out of the default (Stripe) suite, named by their folder: `paychaos run
# --target shop.yaml alipay` runs scenarios/alipay/*.yaml (docs/gateway-alipay.md): one set per dialect
# other than Stripe's (paychaos.common.dialects), in a folder of the dialect's name.
BUILTIN_SETS = tuple(name for name in dialects.NAMES if name != "stripe")

TOP_KEYS = ("name", "cause", "description", "seed", "settle_s", "customers", "actions", "phases", "faults",
            "expect", "requires", "flows")
CUSTOMER_KEYS = ("count", "locale", "cards", "amount_min", "amount_max", "currency", "concurrency", "timeout_s")
EXPECT_KEYS = ("threshold", "answer_budget_s", "max_gateway_calls_per_checkout", "prompt", "outcome")
OUTCOMES = ("paid", "failed", "pending")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_SHARE = 1_000_000   # shares are normalised; a bound keeps their sum finite


def load_scenarios(paths: list[str] | None = None) -> list[Scenario]:
    """Scenario files and directories (a directory gives its *.yaml, sorted) -> validated scenarios.

    No paths: the built-in suite. Every file is read and validated before this returns.
    """
    files = expand_paths(paths or [str(BUILTIN_DIR)])
    scenarios = [load_scenario_file(f) for f in files]
    seen: dict[str, str] = {}
    for sc in scenarios:
        if sc.name in seen:
            raise InputError(f"scenario name '{sc.name}' is also used by {seen[sc.name]}",
                             file=sc.path, field="name", valid="a name unique within the suite")
        seen[sc.name] = sc.path or ""
    return scenarios


def expand_paths(paths: list[str]) -> list[str]:
    files: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
            if not found:
                raise InputError("the directory holds no *.yaml scenario files", file=raw)
            files.extend(str(f) for f in found)
        elif p.is_file():
            files.append(str(p))
        elif p.exists():
            raise InputError("not a regular file", file=raw, valid="a scenario .yaml file or a directory of them")
        elif raw in BUILTIN_SETS and (BUILTIN_DIR / raw).is_dir():
            files.extend(str(f) for f in sorted((BUILTIN_DIR / raw).glob("*.yaml")))   # a dialect's built-in set
        else:
            files.append(scenario_file(raw, directories=True))   # a built-in by the name `paychaos list` prints
    return files


def load_scenario_file(path: str) -> Scenario:
    return parse_scenario(read_yaml(path), file=str(path))


def parse_scenario(data, *, file: str) -> Scenario:
    top = Section(data, file=file, allowed=TOP_KEYS, required=("name", "cause"))
    name = top.str("name")
    if not _NAME.match(name):
        raise top.error(f"{brief(name)} is not a valid scenario name", field="name",
                        valid="lower-case letters, digits, '-' and '_', at most 80, e.g. gateway-outage-full")
    cause = Cause(top.choice("cause", [c.value for c in Cause]))
    customers = _customers(top)
    fault_specs = _with_phases(top.list("faults", []), data.get("phases"), file)
    return Scenario(
        name=name,
        cause=cause,
        description=top.str("description", "", nonempty=False).strip(),
        customers=customers,
        actions=_actions(top),
        faults=_faults(fault_specs, file),
        fault_specs=fault_specs,
        expect=_expect(top),
        seed=top.int("seed", 1, lo=0, hi=INT64_MAX),
        settle_s=top.number("settle_s", 0.0, lo=0, hi=120),
        requires=_requires(top),
        flows=_flows(top),
        path=file,
    )


def _customers(top: Section) -> Customers:
    sec = top.section("customers", allowed=CUSTOMER_KEYS)
    if sec is None:
        return Customers()
    count = sec.int("count", 10, lo=1, hi=1000)
    locales = _shares(sec, "locale", LOCALES, "en_US", noun="locale")
    cards = _shares(sec, "cards", CANONICAL_TOKENS, "pm_card_visa", noun="test card", known=TEST_CARDS)
    amount_min = sec.int("amount_min", 500, lo=50, hi=99_999_999)
    amount_max = sec.int("amount_max", max(amount_min, 50_000), lo=50, hi=99_999_999)
    if amount_max - amount_min + 1 < count:
        raise sec.error(f"{count} customers need {count} different amounts, but amount_min..amount_max "
                        f"({amount_min}..{amount_max}) holds only {max(0, amount_max - amount_min + 1)}",
                        field=sec.field("amount_max"), valid=f"at least amount_min + {count - 1}")
    currency = sec.str("currency", "usd")
    if not re.fullmatch(r"[a-z]{3}", currency):
        raise sec.error(f"{brief(currency)} is not a currency code", field=sec.field("currency"),
                        valid="a lower-case ISO 4217 code such as usd, eur, cny")
    return Customers(
        count=count,
        locale=max(locales, key=locales.get),
        locales=locales,
        cards=cards,
        amount_min=amount_min,
        amount_max=amount_max,
        currency=currency,
        concurrency=sec.int("concurrency", 1, lo=1, hi=64),
        timeout_s=sec.number("timeout_s", 30.0, above=0, hi=600),
    )


def _shares(sec: Section, key: str, valid: tuple[str, ...], default: str, *, noun: str,
            known: dict | None = None) -> dict[str, float]:
    """`key: NAME` or `key: {NAME: share, ...}` -> {name: share} with shares summing to 1."""
    raw = sec.raw(key, default)
    accepted = known if known is not None else valid
    if isinstance(raw, str):
        raw = {raw: 1.0}
        single = True
    elif isinstance(raw, dict) and raw:
        single = False
    else:
        raise sec.error(f"expected a {noun} name or a mapping of {noun} to share, got {kind_of(raw)}",
                        field=sec.field(key), valid=f"{valid[0]} or {{{valid[0]}: 0.5, {valid[-1]}: 0.5}}")
    shares: dict[str, float] = {}
    for name, share in raw.items():
        where = sec.field(key) if single else join(sec.field(key), str(name))
        if name not in accepted:
            raise sec.error(f"unknown {noun} {brief(str(name))}{did_you_mean(str(name), valid)}", field=where,
                            valid=valid)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= MAX_SHARE:
            raise sec.error(f"the share must be a positive number, got {kind_of(share)} {brief(share)}",
                            field=where, valid=f"a number above 0 and at most {MAX_SHARE:g}, e.g. 0.25 "
                                               "(shares are normalised)")
        shares[name] = float(share)
    total = sum(shares.values())
    return {name: share / total for name, share in shares.items()}


def _requires(top: Section) -> tuple[str, ...]:
    """`requires: [backup]`: what the target must have for the scenario to be about anything."""
    return _names_of(top, "requires", REQUIRES, "requirement")


def _names_of(top: Section, key: str, valid: tuple[str, ...], noun: str) -> tuple[str, ...]:
    """The list at `key`, each a name from `valid` (else an error naming it and the valid ones), once each."""
    out = []
    for i, name in enumerate(top.list(key, [])):
        if name not in valid:
            raise top.error(f"unknown {noun} {brief(str(name))}{did_you_mean(str(name), list(valid))}",
                            field=join(key, i), valid=list(valid))
        out.append(name)
    return tuple(dict.fromkeys(out))


def _flows(top: Section) -> tuple[str, ...] | None:
    """`flows: [server, qr]`: the checkout flows in which what the scenario is about can happen."""
    if "flows" not in top.data:
        return None
    forms = f"a list of one or more of {', '.join(FLOW_NAMES)}, e.g. [server, qr]; or no `flows:` for any flow"
    if not isinstance(top.raw("flows"), list):
        raise top.error(f"expected a list, got {kind_of(top.raw('flows'))}", field=top.field("flows"), valid=forms)
    out = _names_of(top, "flows", FLOW_NAMES, "checkout flow")
    if not out:
        raise top.error("an empty list: no flow could play the scenario", field=top.field("flows"), valid=forms)
    return out


def _actions(top: Section) -> list[Action]:
    raw = top.raw("actions", ["checkout"])
    if isinstance(raw, str):
        raw = [raw]
    valid = [a.value for a in Action]
    if not isinstance(raw, list) or not raw:
        raise top.error(f"expected a list of actions, got {kind_of(raw)}", field="actions",
                        valid="[" + ", ".join(valid) + "]")
    actions = []
    for i, name in enumerate(raw):
        if name not in valid:
            raise top.error(f"unknown action {brief(str(name))}{did_you_mean(str(name), valid)}",
                            field=join("actions", i), valid=valid)
        actions.append(Action(name))
    return actions


def _with_phases(specs: list, phases, file: str) -> list:
    """The `faults:` list with each `phase: NAME` given its phase's window (what the proxy is sent)."""
    from paychaos.proxies.rules import apply_phases

    return apply_phases(specs, phases, source=file)


def _faults(specs: list, file: str) -> list:
    from paychaos.proxies.rules import parse_rules  # the proxy owns the fault vocabulary

    return parse_rules(specs, source=file)


def _expect(top: Section) -> Expect:
    sec = top.section("expect", allowed=EXPECT_KEYS)
    if sec is None:
        return Expect()
    prompt = sec.list("prompt", [])
    for i, cat in enumerate(prompt):
        if cat not in PROMPT_CATEGORIES:
            raise sec.error(f"unknown prompt category {brief(str(cat))}{did_you_mean(str(cat), PROMPT_CATEGORIES)}",
                            field=join(sec.field("prompt"), i), valid=PROMPT_CATEGORIES)
    return Expect(
        threshold=sec.number("threshold", 80.0, lo=0, hi=100),
        answer_budget_s=sec.number("answer_budget_s", 10.0, above=0, hi=600),
        max_gateway_calls_per_checkout=sec.int("max_gateway_calls_per_checkout", 6, lo=1, hi=100),
        prompt=list(prompt),
        outcome=sec.choice("outcome", OUTCOMES),
    )
