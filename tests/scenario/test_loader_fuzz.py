"""Property tests (hypothesis, derandomized): whatever a scenario or target file holds, the loaders
answer with a value or an InputError, never another exception, and an error never shows a value whole."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paychaos.common.errors import InputError
from paychaos.common.strict_yaml import parse_yaml
from paychaos.scenario.load import CUSTOMER_KEYS, EXPECT_KEYS, TOP_KEYS, parse_scenario
from paychaos.target import parse_target

FUZZ = settings(derandomize=True, max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
LONG = "z" * 500

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.just(LONG),
    st.sampled_from(["healthy", "gateway_outage", "en_US", "pm_card_visa", "checkout", "$.status", "/pay",
                     "http://127.0.0.1:{port}", "http://127.0.0.1:99999", "{order.id}", "A=B", "", "\x00"]),
)
keys = st.one_of(st.sampled_from([*TOP_KEYS, *CUSTOMER_KEYS, *EXPECT_KEYS, "name", "cause", "base_url", "checkout",
                                  "start", "command", "env", "ready", "path", "outcome", "status", "json", "method",
                                  "fault", "params", "match", "window", "phase", "phases"]),
                 st.text(max_size=8), st.just(LONG))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)


def documents(required: dict):
    """Mostly well-formed top levels (so the fuzz reaches the inner fields), with fuzzed values."""
    return st.dictionaries(keys, values, max_size=8).map(lambda d: {**required, **d})


def refused_briefly(exc: InputError) -> None:
    assert LONG not in str(exc), "a value was printed whole"


@FUZZ
@given(documents({"name": "fuzz", "cause": "healthy"}))
def test_any_scenario_data_is_a_scenario_or_an_input_error(data):
    try:
        parse_scenario(data, file="fuzz.yaml")
    except InputError as exc:
        refused_briefly(exc)


@FUZZ
@given(documents({"name": "fuzz", "base_url": "http://127.0.0.1:{port}",
                  "checkout": {"path": "/pay", "outcome": {"status": "$.status"}}}))
def test_any_target_data_is_a_target_or_an_input_error(data):
    try:
        parse_target(data, file="fuzz.yaml")
    except InputError as exc:
        refused_briefly(exc)


@FUZZ
@given(st.text(alphabet=string.printable + "&*[]{}:-!|>'\"\\\x00é", max_size=300))
def test_any_text_parses_or_is_an_input_error(text):
    try:
        parse_yaml(text, file="fuzz.yaml")
    except InputError as exc:
        assert str(exc).startswith("fuzz.yaml: ")
