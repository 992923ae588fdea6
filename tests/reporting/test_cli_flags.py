"""`--color` and COLUMNS through the real command line (`paychaos merge`: no services needed)."""

import os
import re
import subprocess
import sys

import pytest

from paychaos.reporting.json_report import render
from tests.reporting.samples import sample_report


def merge(tmp_path, *flags, env=None):
    (tmp_path / "in").mkdir(exist_ok=True)
    report = sample_report()
    report["scenarios"][1]["name"] = "a-scenario-name-long-enough-to-need-clipping-on-a-narrow-terminal-" * 2
    (tmp_path / "in" / "report.json").write_text(render(report))
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "merge", str(tmp_path / "in"), "--report-dir",
                           str(tmp_path / "out"), *flags], capture_output=True, text=True, env=full_env, timeout=60)


@pytest.mark.parametrize("flags, env, colored", [
    ((), {}, False),                                   # a pipe: no colour
    (("--color", "always"), {"NO_COLOR": "1"}, True),
    ((), {"FORCE_COLOR": "1"}, True),
    (("--color", "never"), {"FORCE_COLOR": "1"}, False),
])
def test_color_flag_and_env(tmp_path, flags, env, colored):
    out = merge(tmp_path, *flags, env=env)
    assert out.returncode == 1, out.stderr
    assert ("\x1b[" in out.stdout) is colored


@pytest.mark.parametrize("columns", [80, 100])
def test_columns_env_is_honoured(tmp_path, columns):
    out = merge(tmp_path, "--color", "always", env={"COLUMNS": str(columns)})
    lines = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout).splitlines()
    assert max(len(line) for line in lines if not line.startswith("reports: ")) <= columns
    assert any(len(line) > columns - 12 for line in lines)   # the width is used, not a fixed narrow one


def test_bad_color_is_exit_2(tmp_path):
    out = merge(tmp_path, "--color", "sometimes")
    assert out.returncode == 2 and "--color" in out.stderr and "always" in out.stderr
