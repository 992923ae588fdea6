"""`--shard K/N`: a deterministic split of the suite, and its refusals."""

import random
import subprocess
import sys

import pytest

from paychaos.common.errors import InputError
from paychaos.scenario.load import load_scenarios
from paychaos.scenario.shard import parse_shard, select_shard


@pytest.fixture(scope="module")
def suite():
    return load_scenarios(None)  # the built-in suite


@pytest.mark.parametrize("total", [1, 2, 3, 5, 7])
def test_parts_cover_the_suite_once_and_are_balanced(suite, total):
    parts = [select_shard(suite, f"{k}/{total}") for k in range(1, total + 1)]
    names = [s.name for part in parts for s in part]
    assert sorted(names) == sorted(s.name for s in suite)
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1


def test_split_does_not_depend_on_the_order_files_were_given(suite):
    shuffled = list(suite)
    random.Random(7).shuffle(shuffled)
    for k in (1, 2, 3):
        assert {s.name for s in select_shard(suite, f"{k}/3")} == {s.name for s in select_shard(shuffled, f"{k}/3")}


def test_a_part_keeps_the_suite_order(suite):
    part = select_shard(suite, "2/3")
    positions = [suite.index(s) for s in part]
    assert positions == sorted(positions)


@pytest.mark.parametrize("spec", ["", "1", "0/3", "4/3", "1/0", "a/b", "-1/2", "1/2/3", "1.5/2"])
def test_bad_specs_name_the_flag_and_the_form(spec):
    with pytest.raises(InputError) as err:
        parse_shard(spec)
    assert err.value.field == "--shard"
    assert "K/N" in str(err.value)


def test_spaces_are_tolerated():
    assert parse_shard(" 2 / 3 ") == (2, 3)


def test_more_parts_than_scenarios_is_refused(suite):
    two = suite[:2]
    with pytest.raises(InputError) as err:
        select_shard(two, "3/3")
    assert "holds no scenario" in str(err.value) and "at most 2 parts" in str(err.value)


def test_paychaos_run_refuses_a_bad_shard_before_starting_anything(tmp_path):
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "run", "--shard", "3/2",
                          "--report-dir", str(tmp_path / "rep")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.startswith("paychaos run: error: argument --shard: '3/2' is out of range")
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "rep").exists()
