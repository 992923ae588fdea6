"""The bounded YAML reader of user files: what it accepts at each cap and what it refuses just past it."""

from __future__ import annotations

import os

import pytest

from paychaos.common.errors import InputError, brief
from paychaos.common.strict_yaml import (
    INT64_MAX,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    load_yaml_file,
    parse_yaml,
)
from paychaos.scenario.fields import Section
from paychaos.scenario.load import parse_scenario


def refused(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_yaml(text, file="f.yaml")
    return str(info.value)


def test_plain_yaml_still_loads():
    assert parse_yaml("a: [1, 2.5, x, true, ~]\nb: {c: d}\n", file="f") == {"a": [1, 2.5, "x", True, None],
                                                                          "b": {"c": "d"}}


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: &x [1]\n", "b: *x\n", "base: &b {a: 1}\nc: {<<: *b}\n"])
def test_anchors_and_aliases_are_refused_before_anything_expands(text):
    assert "YAML anchors and aliases are not supported" in refused(text)


def test_a_duplicate_key_names_the_key_and_both_lines():
    message = refused("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert message == ("f.yaml: line 4, column 3: duplicate key 'c' (first given on line 3) "
                       "(valid: each key once per mapping)")


def test_the_same_key_in_different_mappings_is_fine():
    assert parse_yaml("a: {k: 1}\nb: {k: 2}\n", file="f") == {"a": {"k": 1}, "b": {"k": 2}}


def test_nesting_up_to_the_cap_loads_and_one_more_level_is_refused():
    assert parse_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, file="f") is not None
    assert f"nested more than {MAX_DEPTH} levels deep" in refused("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert f"nested more than {MAX_DEPTH} levels deep" in refused("[" * 5000 + "]" * 5000)  # no RecursionError


def test_values_beyond_the_cap_are_refused():
    assert len(parse_yaml("[" + "1," * (MAX_NODES - 2) + "1]", file="f")) == MAX_NODES - 1
    assert f"more than {MAX_NODES} values" in refused("[" + "1," * MAX_NODES + "1]")


@pytest.mark.parametrize("text,value", [(str(INT64_MAX), INT64_MAX), (str(-INT64_MAX), -INT64_MAX),
                                        ("0x7fffffffffffffff", INT64_MAX), ("1_000", 1000)])
def test_64_bit_integers_load(text, value):
    assert parse_yaml(f"n: {text}", file="f") == {"n": value}


@pytest.mark.parametrize("text", [str(INT64_MAX + 1), "9" * 5000, "-" + "9" * 30, "0x" + "f" * 30])
def test_bigger_integers_are_refused_without_a_traceback(text):
    assert "beyond 64 bits" in refused(f"n: {text}") or "is too long" in refused(f"n: {text}")


@pytest.mark.parametrize("text", [".nan", ".NaN", ".inf", "-.Inf", "1.0e+400", "-1.0e+999"])
def test_nan_and_infinity_are_refused(text):
    assert "is not a finite number" in refused(f"n: {text}")


def test_a_nul_in_a_string_is_refused():
    assert "a NUL character" in refused('s: "a\\0b"')
    assert "a NUL character" in refused('"a\\0b": 1')


def test_a_file_larger_than_the_cap_is_refused_without_reading_it_whole(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * MAX_FILE_BYTES)
    with pytest.raises(InputError, match="larger than 256 KiB"):
        load_yaml_file(big)


def test_a_fifo_or_a_device_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_yaml_file(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_yaml_file("/dev/zero")


def test_unreadable_files_name_the_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_yaml_file(tmp_path / "none.yaml")
    with pytest.raises(InputError, match="is a directory"):
        load_yaml_file(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_yaml_file(latin)


def test_brief_cuts_long_values_and_says_how_long_they_were():
    assert brief("short") == "'short'"
    assert brief("x" * 1000) == "'" + "x" * 80 + "… (1000 characters)'"
    assert brief(list(range(1000))).endswith("… (4890 characters)")


def test_sections_refuse_non_finite_numbers_given_as_data():
    """Data built in code (not read from YAML) gets the same check at the field."""
    sec = Section({"x": float("nan")}, file="f", allowed=("x",))
    with pytest.raises(InputError, match="x: nan is not a finite number"):
        sec.number("x", lo=0, hi=10)
    with pytest.raises(InputError, match="settle_s: inf is not a finite number"):
        parse_scenario({"name": "a", "cause": "healthy", "settle_s": float("inf")}, file="f")


BOMB = 'name: bomb\ncause: healthy\nfaults: []\nseed:\n  a: &a ["lol", "lol"]\n  b: &b [*a, *a]\n'


def test_every_reader_of_user_yaml_refuses_aliases(tmp_path):
    """Scenario and target loaders are covered by tests/hostile; these are the other readers."""
    from paychaos.cli.cmd_list import scenario_lines
    from paychaos.proxies.addon import load_scenario_rules
    from paychaos.pytest_plugin import looks_like_scenario
    from paychaos.scoring.lexicon import load_lexicon

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    with pytest.raises(InputError, match="YAML anchors and aliases are not supported"):
        load_scenario_rules(str(bomb))
    with pytest.raises(InputError, match="YAML anchors and aliases are not supported"):
        load_lexicon(tmp_path, file=bomb)
    assert looks_like_scenario(bomb) is False
    assert scenario_lines(str(tmp_path)) == ["  bomb.yaml: unreadable (line 5, column 6: anchor &a: YAML anchors "
                                             "and aliases are not supported)"]
