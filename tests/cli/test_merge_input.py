"""`paychaos merge` reads report.json files from anywhere (CI artifacts): a hostile one is exit 2
naming the file, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("text,words", [
    ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    ('{"scenarios": [{"name": "a", "score": {"total": NaN}, "required": 80}]}', "NaN is not a number JSON allows"),
    ('{"scenarios": [{"name": "a", "score": {"total": Infinity}}]}', "Infinity is not a number JSON allows"),
    ('{"scenarios": [{"name": "a", "score": {"total": ' + "9" * 5000 + "}}]}", "not a report"),
    ('{"scenarios": [{"name": "a", "score": {"total": "' + "x" * 5000 + '"}}]}', "characters)' is not a number"),
])
def test_a_hostile_report_is_exit_2_naming_the_file(tmp_path, text, words):
    (tmp_path / "shard").mkdir()
    (tmp_path / "shard" / "report.json").write_text(text)
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "merge", "shard", "--report-dir", "merged"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("paychaos merge: error: shard/report.json: ") and words in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr) < 600
    assert not (tmp_path / "merged").exists()
