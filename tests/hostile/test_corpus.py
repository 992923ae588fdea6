"""Every file of the hostile corpus is refused the way a user sees it: InputError from its loader,
`paychaos run` exit 2 with one line naming the file, no traceback, nothing started or written.

Generated files (gen-*) are grouped by the prefix of their name; hand-written ones say what they
expect on their first line (`# expect: TEXT`). bench/bench_hostile.py times the same corpus.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paychaos.cli import main
from paychaos.common.errors import InputError
from paychaos.scenario.load import load_scenario_file
from paychaos.target import load_target
from tests.hostile.make_corpus import write_all

HERE = Path(__file__).resolve().parent
CORPUS = sorted(HERE.glob("scenarios/*.yaml")) + sorted(HERE.glob("targets/*.yaml"))
GOOD_SCENARIO = "name: good\ncause: healthy\ncustomers: {count: 1}\nfaults: []\n"

# What the message says for each kind of generated file (any one of the words).
EXPECTED = {
    "alias": ["YAML anchors and aliases are not supported"],
    "anchor": ["YAML anchors and aliases are not supported"],
    "dup": ["duplicate key"],
    "deep": ["nested more than 64 levels deep"],
    "json-deep": ["nested more than 64 levels deep"],
    "int": ["is beyond 64 bits", "is too long"],
    "json-int": ["is too long"],
    "version-huge": ["is too long"],
    "nonfinite": ["is not a finite number", "expected a number, got a string '1e999'"],
    "json-nan": ["is not a finite number"],
    "version-nan": ["is not a finite number"],
    "env-value-nan": ["is not a finite number"],
    "ready-timeout": ["is not a finite number", "expected a number, got a string '1e999'"],
    "nul": ["NUL character"],
    "env-name": ["is not an environment variable name", "NUL character"],
    "env-value-nul": ["NUL character"],
    "command-nul": ["NUL character"],
    "path-nul": ["NUL character"],
    "base-url": ["has a bad port", "holds credentials", "is not a URL", "is not an http(s) URL",
                 "holds whitespace", "has a path, query or fragment"],
    "long": ["characters)", "not valid YAML"],
    "method-long": ["(20000 characters)"],
    "status-path-long": ["(20000 characters)"],
    "huge-share-sum": ["the share must be a positive number"],
    "python-tag": ["could not determine a constructor"],
    "unknown-tag": ["could not determine a constructor"],
    "two-documents": ["found another document"],
    "unclosed-flow": ["nested more than 64 levels deep"],
    "tab-indent": ["cannot start any token"],
    "binary-seed": ["expected a whole number"],
    "set-cards": ["expected a test card name"],
    "mapping-key": ["unhashable key"],
    "scalar-document": ["expected a mapping"],
    "list-document": ["expected a mapping"],
    "empty-document": ["expected a mapping, got nothing"],
    "null-document": ["expected a mapping, got nothing"],
}


def expected_words(path: Path) -> list[str]:
    name = path.stem
    if name.startswith("gen-"):
        kind = max((k for k in EXPECTED if name[4:].startswith(k)), key=len)
        return EXPECTED[kind]
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path} does not say what it expects on its first line"
    return [first.removeprefix("# expect: ")]


def is_target(path: Path) -> bool:
    return path.parent.name == "targets"


def ids(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_the_corpus_holds_at_least_100_files_of_both_kinds():
    assert len(CORPUS) >= 100
    assert sum(is_target(p) for p in CORPUS) >= 30 and sum(not is_target(p) for p in CORPUS) >= 60


def test_the_generated_files_are_what_make_corpus_writes(tmp_path):
    written = write_all(tmp_path)
    committed = sorted(p for p in CORPUS if p.name.startswith("gen-"))
    assert [f"{p.parent.name}/{p.name}" for p in sorted(written)] == [f"{p.parent.name}/{p.name}" for p in committed]
    for new, old in zip(sorted(written), committed, strict=True):
        assert new.read_bytes() == old.read_bytes(), f"{old} differs: run python tests/hostile/make_corpus.py"


@pytest.mark.parametrize("path", CORPUS, ids=ids)
def test_the_loader_refuses_it_naming_the_file_and_showing_no_value_whole(path):
    loader = load_target if is_target(path) else load_scenario_file
    with pytest.raises(InputError) as info:
        loader(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert any(word in message for word in expected_words(path)), message
    assert len(message) < 500  # values are cut to 80 characters, however long the file's are


@pytest.mark.parametrize("path", CORPUS, ids=ids)
def test_paychaos_run_exits_2_in_process_and_writes_nothing(path, tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_SCENARIO)
    report_dir = tmp_path / "report"
    args = ["run", str(good), "--target", str(path)] if is_target(path) else ["run", str(path)]
    try:
        code = main([*args, "--report-dir", str(report_dir)])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"paychaos run: error: {path}: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert not report_dir.exists()


@pytest.mark.parametrize("name", ["scenarios/alias-bomb-seed.yaml", "scenarios/settle-nan.yaml",
                                  "targets/alias-bomb-checkout-json.yaml", "targets/env-name-a-equals-b.yaml"])
def test_paychaos_run_subprocess_exits_2_without_traceback(name, tmp_path):
    path = HERE / name
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_SCENARIO)
    args = ["run", str(good), "--target", str(path)] if is_target(path) else ["run", str(path)]
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", *args], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"paychaos run: error: {path}: ")
    assert expected_words(path)[0] in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "paychaos-report").exists()
