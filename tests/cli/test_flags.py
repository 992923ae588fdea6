"""Every flag's value is checked by its argparse type (simulator/cli/argtypes.py) before anything
starts: a bad one is exit 2 with one line naming the flag and the valid forms, never a traceback."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paychaos.cli import build_parser


def parse(argv: list[str]):
    return build_parser().parse_args(argv)


BAD = [
    ("proxy --port 99999", "--port"),
    ("proxy --port -1", "--port"),
    ("proxy --forward-port 70000", "--forward-port"),
    ("proxy --journal /", "--journal"),
    ("proxy --journal /proc/x/journal.jsonl", "--journal"),
    ("proxy --confdir /proc/x", "--confdir"),
    ("proxy --upstream http://127.0.0.1:99999", "--upstream"),
    ("proxy --upstream http://127.0.0.1:0", "--upstream"),
    ("proxy --upstream backup=http://127.0.0.1:x", "--upstream"),
    ("proxy --upstream http://127.0.0.1:1/v1", "--upstream"),
    ("proxy --upstream http://127.0.0.1:1?a=b", "--upstream"),
    ("proxy --upstream 127.0.0.1:1", "--upstream"),
    ("proxy --seed -1", "--seed"),
    ("proxy --seed 1e9", "--seed"),
    ("init --dir /proc/x", "--dir"),
    ("init --port 0", "--port"),
    ("init --port 65536", "--port"),
    ("run --report-dir /proc/x", "--report-dir"),
    ("run --report-dir ''", "--report-dir"),
    ("run --min-score nan", "--min-score"),
    ("run --min-score inf", "--min-score"),
    ("run --min-score 101", "--min-score"),
    ("run -n 0", "-n/--workers"),
    ("run -n 17", "-n/--workers"),
    ("run -n 1.5", "-n/--workers"),
    ("run --shard 3/2", "--shard"),
    ("run --shard 0/2", "--shard"),
    ("run --shard half", "--shard"),
    ("merge d --min-score -1", "--min-score"),
    ("merge d --report-dir /proc/x", "--report-dir"),
    ("load --min-score 200", "--min-score"),
    ("load --workers -1", "--workers"),
    ("load --workers 65", "--workers"),
    ("load --users 0", "--users"),
    ("load --users 1000000", "--users"),
    ("load --duration -1", "--duration"),
    ("load --duration 0", "--duration"),
    ("load --duration nan", "--duration"),
    ("load --duration 1e999", "--duration"),
    ("load --think inf", "--think"),
    ("load --think -1", "--think"),
    ("load --proxies 0", "--proxies"),
    ("load --proxies 17", "--proxies"),
    ("load --master-port 0", "--master-port"),
    ("load --expect-remote-workers -2", "--expect-remote-workers"),
    ("load --seed x", "--seed"),
    ("load --locale xx_XX", "--locale"),
    ("load --report-dir /proc/x", "--report-dir"),
    ("gateway --port 65536", "--port"),
    ("gateway --seed -5", "--seed"),
    ("gateway --webhook-timeout-s nan", "--webhook-timeout-s"),
    ("gateway --webhook-timeout-s 0", "--webhook-timeout-s"),
    ("gateway --webhook-max-attempts 0", "--webhook-max-attempts"),
    ("gateway --processing-delay-ms -5", "--processing-delay-ms"),
    ("gateway --processing-delay-ms 99999999999", "--processing-delay-ms"),
    ("gateway --webhook-retry-base-ms nan", "--webhook-retry-base-ms"),
    ("gateway --webhook-url http://127.0.0.1:0/hook", "--webhook-url"),
    ("merchant resilient --port 70000", "--port"),
    ("merchant resilient --host 10.1.1.1", "--host"),
    ("merchant resilient --host 'a b'", "--host"),
    ("merchant resilient --host ''", "--host"),
    ("merchant resilient --host ::1", "--host"),
    ("gateway --host 0.0.0.0", "--host"),
    ("proxy --allow-host 'bad host'", "--allow-host"),
    ("load --allow-host ''", "--allow-host"),
    ("load --master-bind-host 'x y'", "--master-bind-host"),
    ("up s.yaml --seed -3", "--seed"),
    ("up s.yaml --journal /", "--journal"),
    ("up s.yaml --webhook-url http://127.0.0.1:99999/hook", "--webhook-url"),
]


@pytest.mark.parametrize("command,flag", BAD, ids=[c for c, _ in BAD])
def test_a_bad_value_is_exit_2_naming_the_flag_and_the_valid_forms(command, flag, capsys):
    with pytest.raises(SystemExit) as info:
        parse(shlex.split(command))
    err = capsys.readouterr().err
    assert info.value.code == 2
    first = err.splitlines()[0]
    assert first.startswith(f"paychaos {command.split()[0]}: error: argument {flag}: "), err
    assert "(valid: " in first or "(choose from " in first
    assert "Traceback" not in err


def test_credentials_in_an_upstream_are_refused_and_never_echoed(capsys):
    with pytest.raises(SystemExit):
        parse(["proxy", "--upstream", "http://user:s3cret@127.0.0.1:1"])
    err = capsys.readouterr().err
    assert "holds credentials" in err and "s3cret" not in err


def test_values_at_the_edges_of_each_range_are_accepted(tmp_path):
    assert parse(["proxy", "--port", "0", "--forward-port", "65535"]).port == 0
    assert parse(["run", "--min-score", "0", "-n", "16", "--report-dir", str(tmp_path)]).workers == 16
    assert parse(["run", "--min-score", "100", "--report-dir", str(tmp_path)]).min_score == 100.0
    load = parse(["load", "--users", "10000", "--workers", "0", "--duration", "0.5", "--think", "0",
                  "--report-dir", str(tmp_path)])
    assert (load.users, load.workers, load.duration, load.think) == (10000, 0, 0.5, 0.0)
    assert parse(["gateway", "--webhook-timeout-s", "600", "--seed", str(2**63 - 1)]).seed == 2**63 - 1
    assert parse(["run", "--shard", "2/2", "--report-dir", str(tmp_path)]).shard == "2/2"


def test_upstream_host_and_scheme_are_normalised_to_lower_case():
    """Hosts are case-insensitive (RFC 3986): LOCALHOST is localhost, and is then loopback."""
    args = parse(["proxy", "--upstream", "HTTP://LOCALHOST:8080/", "--upstream", "backup=http://127.0.0.1:9"])
    assert args.upstream == ["http://localhost:8080", "backup=http://127.0.0.1:9"]


def test_checking_a_report_dir_creates_and_leaves_nothing(tmp_path):
    args = parse(["run", "--report-dir", str(tmp_path / "a" / "b" / "c")])
    assert args.report_dir == str(tmp_path / "a" / "b" / "c")
    assert list(tmp_path.iterdir()) == []


def test_checking_a_journal_leaves_an_existing_file_as_it_was(tmp_path):
    journal = tmp_path / "j.jsonl"
    journal.write_text("{}\n")
    assert parse(["proxy", "--journal", str(journal)]).journal == str(journal)
    assert journal.read_text() == "{}\n" and [p.name for p in tmp_path.iterdir()] == ["j.jsonl"]


@pytest.mark.parametrize("argv,flag", [(["proxy", "--port", "99999"], "--port"),
                                       (["run", "--report-dir", "/proc/x"], "--report-dir"),
                                       (["load", "--users", "1000000"], "--users"),
                                       (["proxy", "--upstream", "http://u:p@127.0.0.1:1"], "--upstream")])
def test_the_real_command_exits_2_with_one_error_line(argv, flag, tmp_path):
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", *argv], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.startswith(f"paychaos {argv[0]}: error: argument {flag}: ")
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert list(tmp_path.iterdir()) == []


@settings(derandomize=True, max_examples=500, deadline=None, database=None)
@given(text=st.one_of(st.text(max_size=40), st.from_regex(r"[+-]{0,2}[0-9._eE]{0,30}|https?://[a-zA-Z0-9.:@\[\]/%-]{0,40}"
                                                          r"|[0-9]{1,3}/[0-9]{1,3}", fullmatch=True)))
def test_any_text_is_a_value_or_an_argparse_error(text):
    """argparse turns ArgumentTypeError (and only ValueError/TypeError besides) into exit 2; anything
    else a type raised would be a traceback."""
    from paychaos.cli import argtypes

    types = [argtypes.port, argtypes.fixed_port, argtypes.seed, argtypes.score, argtypes.whole(1, 16),
             argtypes.number(0, 600, above=True), argtypes.shard, argtypes.url, argtypes.upstream, argtypes.host,
             argtypes.loopback_host, argtypes.loopback_ipv4_host]
    for kind in types:
        try:
            kind(text)
        except argparse.ArgumentTypeError as exc:
            assert "(valid: " in str(exc)
