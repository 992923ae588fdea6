"""parse_rules: the whole `faults:` list is validated with messages naming file, field, valid forms;
RuleSet: matching, windows, times, every and seeded dice."""

from __future__ import annotations

import fnmatch
import glob
import os

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from paychaos.common.errors import InputError
from paychaos.common.paths import builtin_scenarios_dir
from paychaos.proxies.faults import REGISTRY, build_fault
from paychaos.proxies.rules import ActiveRule, Candidate, RuleSet, apply_phases, parse_rules, rule_to_dict


def candidate(**kw) -> Candidate:
    base = dict(upstream="primary", method="POST", path="/v1/payment_intents",
                fields={"amount": 1299, "currency": "usd", "payment_method": "pm_card_visa",
                        "metadata": {"order_id": "ord_7"}}, headers={"idempotency-key": "k1"})
    base.update(kw)
    return Candidate(**base)


def error_of(raw) -> str:
    with pytest.raises(InputError) as info:
        parse_rules(raw, source="scenarios/x.yaml")
    return str(info.value)


def test_valid_rules_fill_defaults_and_ids():
    rules = parse_rules([
        {"fault": "http_error", "params": {"status": 503, "retry_after_s": 2},
         "match": {"upstream": "primary", "method": "post", "path": "/v1/payment_intents*"},
         "probability": 0.5, "window": {"start_s": 0, "end_s": 20}, "times": 3},
        "reset",
    ], source="s.yaml")
    assert [r.id for r in rules] == ["r1", "r2"]
    assert rules[0].params == {"status": 503, "retry_after_s": 2.0, "should_retry": None, "message": None}
    assert rules[0].match.method == "POST" and rules[0].window.end_s == 20
    assert rule_to_dict(rules[0])["match"]["path"] == "/v1/payment_intents*"
    assert parse_rules(None, source="s.yaml") == []


@pytest.mark.parametrize("raw, field, needle", [
    ([{"fault": "latncy", "params": {"delay_ms": 5}}], "faults[0].fault", "did you mean 'latency'"),
    ([{"fault": "latency"}], "faults[0].params.delay_ms", "needs parameter"),
    ([{"fault": "latency", "params": {"delay": 5}}], "faults[0].params.delay", "did you mean 'delay_ms'"),
    ([{"fault": "http_error", "params": {"status": "503"}}], "faults[0].params.status", "integer"),
    ([{"fault": "http_error", "params": {"status": 200}}], "faults[0].params.status", "out of range"),
    ([{"fault": "malformed", "params": {"mode": "trunc"}}], "faults[0].params.mode", "truncate | garbage"),
    (["reset", {"fault": "reset", "match": {"amout": 5}}], "faults[1].match.amout", "did you mean 'amount'"),
    ([{"fault": "reset", "match": {"upstream": "primery"}}], "faults[0].match.upstream", "'primary'"),
    ([{"fault": "reset", "probability": 1.5}], "faults[0].probability", "0 to 1"),
    ([{"fault": "reset", "times": 0}], "faults[0].times", "integer >= 1"),
    ([{"fault": "reset", "window": {"start_s": 5, "end_s": 1}}], "faults[0].window.end_s", "after start_s"),
    ([{"fault": "reset", "probabilty": 1}], "faults[0].probabilty", "did you mean 'probability'"),
    ([{"fault": "reset", "id": "a"}, {"fault": "close", "id": "a"}], "faults[1].id", "used twice"),
    ({"fault": "reset"}, "faults", "must be a list"),
])
def test_bad_rules_name_file_field_and_valid_forms(raw, field, needle):
    text = error_of(raw)
    assert text.startswith(f"scenarios/x.yaml: {field}: ")
    assert needle in text
    assert "(valid: " in text


def test_every_fault_is_registered_with_description_and_unit_named_params():
    assert {"latency", "hang", "slow_body", "http_error", "refused", "reset", "close", "malformed",
            "decline", "rate_limit", "response_lost", "auth_error", "webhook_delay",
            "webhook_duplicate", "webhook_reorder", "webhook_drop"} <= set(REGISTRY)
    for cls in REGISTRY.values():
        assert cls.description()
        for p in cls.params():
            if p.type in (float, int | None, float | None) and p.name not in ("status", "copies"):
                assert p.name.endswith(("_ms", "_s", "_per_s")) or p.name == "sigma", (cls.name, p.name)


def test_matching_on_fields_headers_and_default_leg():
    rs = RuleSet(parse_rules([
        {"fault": "reset", "match": {"metadata.order_id": "ord_*", "amount": [1299, 5000],
                                     "header.Idempotency-Key": "k*"}},
        {"fault": "webhook_drop"},
        {"fault": "close", "match": {"currency": "eur"}},
    ], source="s.yaml"))
    assert [f.rule.id for f in rs.decide(candidate())] == ["r1"]
    assert rs.decide(candidate(fields={"amount": 1, "metadata": {"order_id": "ord_1"}})) == []
    assert [f.rule.id for f in rs.decide(candidate(upstream="webhooks"))] == ["r2"]
    assert [f.rule.id for f in rs.decide(candidate(upstream="backup"))] == ["r1"]


_glob_text = st.text(alphabet=st.sampled_from("ab/_*?[]!-."), min_size=1, max_size=8)


@settings(max_examples=300)
@given(st.lists(_glob_text, min_size=1, max_size=3), _glob_text, st.sampled_from(["path", "currency"]))
def test_compiled_globs_match_as_fnmatchcase_does(patterns, value, where):
    """Rules compile their globs once; they must match exactly what fnmatchcase matches, any of a list."""
    if where == "path":
        rule = {"fault": "reset", "match": {"path": "/" + patterns[0]}}
        c, expected = candidate(path="/" + value), fnmatch.fnmatchcase("/" + value, "/" + patterns[0])
    else:
        rule = {"fault": "reset", "match": {"currency": patterns}}
        c = candidate(fields={"currency": value})
        expected = any(fnmatch.fnmatchcase(value, p) for p in patterns)
    assert bool(RuleSet(parse_rules([rule], source="s.yaml")).decide(c)) == expected


def test_times_every_and_window():
    rs = RuleSet(parse_rules([{"fault": "reset", "times": 2}, {"fault": "close", "every": 3},
                              {"fault": "hang", "window": {"start_s": 3600}}], source="s.yaml"))
    fired = [[f.rule.id for f in rs.decide(candidate())] for _ in range(6)]
    assert fired == [["r1"], ["r1"], ["r2"], [], [], ["r2"]]


def test_dice_are_reproducible_from_the_seed():
    def pattern(seed):
        rs = RuleSet(parse_rules([{"fault": "reset", "probability": 0.3}], source="s.yaml"), seed=seed)
        return [bool(rs.decide(candidate())) for _ in range(200)]
    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 30 < sum(pattern(7)) < 90


PHASES = [{"name": "healthy", "duration_s": 5}, {"name": "outage", "duration_s": 10}, {"name": "recovery"}]


def test_a_phase_gives_its_rule_the_phase_window():
    raw = apply_phases([{"fault": "reset", "phase": "outage"}, {"fault": "close", "phase": "recovery"},
                        {"fault": "hang"}], PHASES, source="s.yaml")
    rules = parse_rules(raw, source="s.yaml")
    assert [(r.phase, r.window.start_s, r.window.end_s) for r in rules[:2]] == [("outage", 5, 15),
                                                                              ("recovery", 15, None)]
    assert rules[2].window is None and rule_to_dict(rules[0])["phase"] == "outage"
    rs = RuleSet(rules)
    rs._clock0 -= 6  # six seconds into the scenario: the outage phase
    assert [f.rule.id for f in rs.decide(candidate())] == ["r1", "r3"]


@pytest.mark.parametrize("faults, phases, field, needle", [
    ([{"fault": "reset", "phase": "outgae"}], PHASES, "faults[0].phase", "did you mean 'outage'"),
    ([{"fault": "reset", "phase": "outage", "window": {"start_s": 1}}], PHASES, "faults[0].phase", "not both"),
    ([{"fault": "reset"}], [{"name": "a"}, {"name": "b"}], "phases[0].duration_s", "only the last"),
    ([{"fault": "reset"}], [{"name": "a", "duration_s": 1}, {"name": "a"}], "phases[1].name", "used once"),
    ([{"fault": "reset"}], "outage", "phases", "non-empty list"),
])
def test_bad_phases_name_the_field(faults, phases, field, needle):
    with pytest.raises(InputError) as err:
        apply_phases(faults, phases, source="s.yaml")
    assert err.value.field == field and needle in str(err.value)


def test_a_phase_without_a_phases_list_is_an_error():
    with pytest.raises(InputError) as err:
        parse_rules([{"fault": "reset", "phase": "outage"}], source="s.yaml")
    assert err.value.field == "faults[0].phase" and "phases" in str(err.value)


# ---------------------------------------------------------------- match.kind

@pytest.mark.parametrize("raw, field, needle", [
    ([{"fault": "reset", "match": {"kind": "paymnet"}}], "faults[0].match.kind", "did you mean 'payment'"),
    ([{"fault": "reset", "match": {"kind": ["payment", 3]}}], "faults[0].match.kind", "unknown kind"),
    ([{"fault": "reset", "match": {"kind": []}}], "faults[0].match.kind", "empty"),
    ([{"fault": "reset", "match": {"kind": ["any", "payment"]}}], "faults[0].match.kind", "stands alone"),
    ([{"fault": "decline", "match": {"kind": "capture"}}], "faults[0].match.kind", "applies to: payment"),
    ([{"fault": "decline", "match": {"kind": ["payment", "lookup"]}}], "faults[0].match.kind", "on lookup"),
    ([{"fault": "webhook_drop", "match": {"kind": "payment"}}], "faults[0].match.kind", "applies to: webhook"),
    ([{"fault": "reset", "match": {"upstream": "webhooks", "kind": "payment"}}], "faults[0].match.kind",
     "kind webhook"),
    ([{"fault": "reset", "match": {"upstream": "primary", "kind": "webhook"}}], "faults[0].match.kind",
     "webhooks upstream"),
    ([{"fault": "decline", "match": {"upstream": "webhooks"}}], "faults[0].match.upstream", "cannot do its job"),
    ([{"fault": "webhook_drop", "match": {"upstream": "primary"}}], "faults[0].match.upstream", "webhooks"),
])
def test_bad_kinds_name_the_field_and_the_valid_kinds(raw, field, needle):
    text = error_of(raw)
    assert text.startswith(f"scenarios/x.yaml: {field}: ")
    assert needle in text and "(valid: " in text


def test_the_valid_kinds_are_listed_for_an_unknown_kind():
    assert "payment, capture, refund, lookup, customer, webhook, other, any" in error_of(
        [{"fault": "reset", "match": {"kind": "charge"}}])


def fired(rules, **kw) -> list[str]:
    return [f.rule.id for f in RuleSet(parse_rules(rules, source="s.yaml")).decide(candidate(**kw))]


@pytest.mark.parametrize("method, path, upstream, kind", [
    ("POST", "/v1/payment_intents", "primary", "payment"),
    ("POST", "/v1/payment_intents/pi_1/confirm", "backup", "payment"),
    ("POST", "/v1/charges", "primary", "payment"),
    ("POST", "/v1/setup_intents", "primary", "payment"),
    ("POST", "/v1/checkout/sessions", "primary", "payment"),
    ("POST", "/v1/charges/ch_1/capture", "primary", "capture"),
    ("POST", "/v1/payment_intents/pi_1/cancel", "primary", "refund"),
    ("GET", "/v1/charges/ch_1", "primary", "lookup"),
    ("POST", "/v1/customers", "primary", "customer"),
    ("POST", "/v1/payment_intents/pi_1", "primary", "other"),
    ("POST", "/webhooks/stripe", "webhooks", "webhook"),
])
def test_a_kind_rule_fires_on_its_kind_only(method, path, upstream, kind):
    rules = [{"fault": "latency", "params": {"delay_ms": 1}, "id": k, "match": {"kind": k}} for k in
             ("payment", "capture", "refund", "lookup", "customer", "webhook", "other")]
    rules.append({"fault": "latency", "params": {"delay_ms": 1}, "id": "any", "match": {"kind": "any"}})
    rules.append({"fault": "latency", "params": {"delay_ms": 1}, "id": "pair", "match": {"kind": ["capture", kind]}})
    expected = [kind] + (["any"] if upstream != "webhooks" else []) + ["pair"]
    assert fired(rules, method=method, path=path, upstream=upstream) == expected


def test_kind_combines_with_upstream_method_path_and_fields():
    rule = [{"fault": "reset", "match": {"kind": "payment", "upstream": "backup", "metadata.order_id": "ord_7"}}]
    assert fired(rule, upstream="backup", path="/v1/charges") == ["r1"]
    assert fired(rule, upstream="primary", path="/v1/charges") == []
    assert fired(rule, upstream="backup", path="/v1/charges", fields={"metadata": {"order_id": "ord_8"}}) == []


def test_a_fault_never_fires_on_a_kind_it_cannot_act_on_even_by_path():
    """decline matched by a path glob alone skips the lookups and captures under that path."""
    rule = [{"fault": "decline", "match": {"path": "/v1/payment_intents*"}}]
    assert fired(rule) == ["r1"]
    assert fired(rule, method="GET", path="/v1/payment_intents/pi_1") == []
    assert fired(rule, path="/v1/payment_intents/pi_1/capture") == []
    assert fired(rule, path="/v1/payment_intents/pi_1/confirm") == ["r1"]


def test_kind_round_trips_and_a_webhook_kind_implies_the_webhooks_upstream():
    rules = parse_rules([{"fault": "http_error", "params": {"status": 503}, "match": {"kind": "payment"}},
                         {"fault": "reset", "match": {"kind": ["refund", "capture", "refund"]}},
                         {"fault": "webhook_drop", "match": {"kind": "webhook"}},
                         {"fault": "close", "match": {"kind": "any"}}], source="s.yaml")
    assert [r.match.kinds for r in rules] == [("payment",), ("refund", "capture"), ("webhook",), ()]
    assert rules[2].match.upstream == "webhooks"
    dicts = [rule_to_dict(r) for r in rules]
    assert dicts[0]["match"] == {"kind": "payment"} and dicts[1]["match"] == {"kind": ["refund", "capture"]}
    assert "match" not in dicts[3]
    assert parse_rules(dicts, source="again") == rules


def _builtin_gateway_rules():
    for path in sorted(glob.glob(os.path.join(str(builtin_scenarios_dir()), "*.yaml"))):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for rule in parse_rules(apply_phases(doc.get("faults"), doc.get("phases"), source=path), source=path):
            if rule.match.upstream != "webhooks" and REGISTRY[rule.fault].leg != "webhooks":
                yield pytest.param(rule, id=f"{doc['name']}/{rule.id}")


@pytest.mark.parametrize("rule", list(_builtin_gateway_rules()))
def test_every_builtin_gateway_rule_hits_the_payment_call_of_any_stripe_api(rule):
    """A shop on the Charges API, on PaymentIntents (create+confirm or confirm later) or on SetupIntents
    gets the same faults from the built-in suite. A rule that takes only the browser's calls (by their
    Origin header) is checked on browser calls, and must leave a server's calls alone."""
    active = ActiveRule(rule, build_fault(rule.fault, rule.params, source="t", field="t"))
    upstream = rule.match.upstream or "primary"
    browser_only = not active.matches_exchange(candidate(upstream=upstream)) and active.matches_exchange(
        candidate(upstream=upstream, headers={"idempotency-key": "k1", "origin": "https://shop.example"}))
    headers = {"idempotency-key": "k1", "origin": "https://shop.example"} if browser_only else {"idempotency-key": "k1"}
    for path in ("/v1/charges", "/v1/payment_intents", "/v1/payment_intents/pi_1/confirm", "/v1/setup_intents"):
        assert active.matches_exchange(candidate(upstream=upstream, path=path, headers=headers)), path
