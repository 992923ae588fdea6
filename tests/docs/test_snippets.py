"""Every fenced snippet of the docs this suite owns is run or validated (see snippets.py for the
convention), so a newcomer copying them gets what the page promises."""

import json
import os
import subprocess
import tomllib
from pathlib import Path

import iniconfig
import pytest
import yaml

from paychaos.scenario.load import parse_scenario
from paychaos.target import parse_target
from tests.docs.snippets import snippets

ROOT = Path(__file__).resolve().parents[2]
NOT_OURS = {"ARCHITECTURE.md", "gateway.md"}   # owned and checked elsewhere
DOCS = [ROOT / "README.md",
        *sorted(d for d in (ROOT / "docs").glob("*.md") if d.name not in NOT_OURS),
        *sorted((ROOT / "docs" / "reference").glob("*.md"))]
GUIDES = [ROOT / "README.md", ROOT / "docs" / "quickstart.md", ROOT / "docs" / "ci.md"]
LANGS = {"sh", "yaml", "python", "toml", "ini", "json", "console", "text"}


def all_snippets(lang: str | None = None):
    return [s for doc in DOCS for s in snippets(doc) if lang is None or s.lang == lang]


def workspace(tmp_path: Path) -> Path:
    """A stand-in for a fresh clone after `bash ci/setup.sh`: the venv, the sources and the built-in scenarios."""
    ws = tmp_path / "paychaos"
    ws.mkdir()
    for name in (".venv", "scenarios", "ci", "simulator", "proxies"):
        (ws / name).symlink_to(ROOT / name)
    return ws


def shell_env(ws: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYCHAOS_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{ws / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    return env


def test_the_guides_have_snippets_and_every_fence_names_a_known_language():
    for doc in GUIDES:
        assert any(s.lang in ("sh", "yaml") for s in snippets(doc)), f"{doc} has no checked snippets"
    for doc in DOCS:
        for s in snippets(doc):
            assert s.lang in LANGS, f"{s}: unknown fence language {s.lang!r} (see tests/docs/snippets.py)"


def test_every_doc_is_reachable_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [d.relative_to(ROOT).as_posix() for d in DOCS[1:] if d.relative_to(ROOT).as_posix() not in readme]
    assert not missing, f"README.md's docs index does not link {missing}"


@pytest.mark.parametrize("snippet", all_snippets("yaml"), ids=str)
def test_yaml_snippets_parse_and_validate(snippet):
    data = yaml.safe_load(snippet.text)
    assert data is not None, f"{snippet}: empty YAML"
    if "fragment" in snippet.flags:
        return
    if isinstance(data, dict) and "cause" in data:
        parse_scenario(data, file=str(snippet))
    elif isinstance(data, dict) and "checkout" in data:
        parse_target(data, file=str(snippet))


@pytest.mark.parametrize("snippet", [s for s in all_snippets() if s.lang in ("python", "toml", "ini", "json")],
                         ids=str)
def test_code_and_config_snippets_parse(snippet):
    if snippet.lang == "python":
        compile(snippet.text, str(snippet), "exec")
    elif snippet.lang == "toml":
        tomllib.loads(snippet.text)
    elif snippet.lang == "ini":
        for section in iniconfig.IniConfig(str(snippet), data=snippet.text):
            for key, value in section.items():
                assert "#" not in value, f"{snippet}: pytest keeps the comment in {key} = {value!r}"
    elif "sketch" not in snippet.flags:
        json.loads(snippet.text)


@pytest.mark.parametrize("snippet", [s for s in all_snippets("sh") if not s.runs], ids=str)
def test_shell_snippets_not_run_are_valid_bash(snippet):
    out = subprocess.run(["bash", "-n"], input=snippet.text, capture_output=True, text=True)
    assert out.returncode == 0, f"{snippet}: {out.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("doc", [d for d in DOCS if any(s.runs for s in snippets(d))], ids=lambda d: d.name)
def test_shell_snippets_run_in_order(doc, tmp_path):
    ws = workspace(tmp_path)
    env = shell_env(ws)
    for s in [s for s in snippets(doc) if s.runs]:
        out = subprocess.run(["bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", s.text], cwd=ws, env=env,
                             capture_output=True, text=True, timeout=240)
        assert out.returncode == s.exit_code, f"{s} exited {out.returncode}:\n{s.text}\n{out.stdout}\n{out.stderr}"
        assert "Traceback" not in out.stderr, f"{s}: {out.stderr}"
