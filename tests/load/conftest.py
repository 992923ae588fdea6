import os
from pathlib import Path

import pytest


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention `text` (the run's report dir is in every argv)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next((ln for ln in (proc / "status").read_text().splitlines() if ln.startswith("State:")), "")
        except OSError:
            continue
        if text in cmd and "zombie" not in state:
            found.append(cmd)
    return found


@pytest.fixture
def report_dir(tmp_path):
    out = tmp_path / "load-report"
    yield out
    assert processes_mentioning(str(out)) == [], "a process of the run outlived it"
