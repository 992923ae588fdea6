"""Temporary directories made with procs.make_temp_dir are removed however their process ends, SIGKILL
included (the lifeline's reaper removes them): real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from paychaos.common import procs

GONE_WITHIN_S = 5.0
PARENT = """
import sys, time
from paychaos.common import procs
kept = procs.make_temp_dir("paychaos-test-kept-")
removed = procs.make_temp_dir("paychaos-test-removed-")
open(kept + "/key.pem", "w").write("secret")
procs.remove_temp_dir(removed)
print(kept, removed, flush=True)
time.sleep(600)
"""


def wait_gone(path: str, within: float = GONE_WITHIN_S) -> bool:
    deadline = time.monotonic() + within
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not os.path.exists(path)


def test_the_reaper_removes_a_sigkilled_process_temp_dirs():
    proc = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        kept, removed = proc.stdout.readline().split()
        assert os.path.isdir(kept) and not os.path.exists(removed)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert wait_gone(kept), f"{kept} outlived its SIGKILLed process"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_remove_temp_dir_removes_and_lets_go():
    path = procs.make_temp_dir("paychaos-test-")
    Path(path, "f").write_text("x")
    procs.remove_temp_dir(path)
    procs.remove_temp_dir(path)  # twice is fine
    assert not os.path.exists(path)
