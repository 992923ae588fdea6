"""Nothing started through paychaos.common.procs outlives the process that started it, even when that
process is SIGKILLed (no atexit, no signal handler): real processes, real signals, no mocks."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from paychaos.common.procs import start_service

REPO = Path(__file__).resolve().parents[2]
GONE_WITHIN_S = 5.0

# A service that prints the ready line and sleeps; and a shell command that starts a grandchild first.
SLEEPER = [sys.executable, "-c", "print('PAYCHAOS_READY {\"service\": \"sleeper\", \"url\": \"-\"}', flush=True);"
           "import time; time.sleep(600)"]
SHELL = ["sh", "-c", 'sleep 600 & echo "PAYCHAOS_READY {\\"service\\": \\"sh\\", \\"url\\": \\"-\\", '
         '\\"grandchild\\": $!}"; wait']

PARENT = textwrap.dedent("""
    import json, os, sys, threading, time
    from paychaos.common import procs
    SLEEPER, SHELL = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    from pathlib import Path
    from paychaos.common.ports import free_port
    from paychaos.load.locust_procs import _spawn
    from paychaos.runner.merchant import MerchantProcess
    direct = procs.start_service("sleeper", SLEEPER)
    shell = procs.start_service("shell", SHELL)
    port = free_port()                  # the runner's merchant and a Locust process take the same path
    merchant = MerchantProcess([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], {},
                               f"http://127.0.0.1:{port}", ready_path=None, ready_timeout_s=20).start()
    locust = _spawn(SLEEPER, Path(os.environ.get("TMPDIR", "/tmp")) / f"paychaos-lifetime-{os.getpid()}.log")
    box = {}
    worker = threading.Thread(target=lambda: box.update(svc=procs.start_service("from-thread", SLEEPER)))
    worker.start()
    worker.join()                       # the thread that started it is gone
    forked = None
    if "--fork" in sys.argv:            # a bare fork of this process must not keep the lifeline open
        forked = os.fork()
        if forked == 0:
            os.close(1)                 # the test reads the parent's stdout to EOF if it fails
            time.sleep(600)
            os._exit(0)
    print(json.dumps({"services": [direct.proc.pid, shell.proc.pid, shell.info["grandchild"], box["svc"].proc.pid,
                                   merchant.proc.pid, locust.pid],
                      "lifeline": os.readlink(f"/proc/self/fd/{procs._lifeline._fd}"), "forked": forked}),
          flush=True)
    sys.stdin.readline()                # the test looks at the services, then closes our stdin
    if "--exit" in sys.argv:
        os._exit(0)                     # ends without stopping anything, and without atexit
    time.sleep(600)
""")


def gone(pid: int) -> bool:
    """No such process, or a zombie (dead, waiting for whoever inherited it to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_gone(pids: list[int], within: float = GONE_WITHIN_S) -> list[int]:
    deadline = time.monotonic() + within
    while (left := [p for p in pids if not gone(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def holders(pipe: str) -> list[int]:
    """Live processes with an fd on that pipe ("pipe:[inode]")."""
    found = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) == pipe for fd in fd_dir.iterdir()) and not gone(int(fd_dir.parent.name)):
                found.append(int(fd_dir.parent.name))
        except OSError:
            continue
    return found


def start_parent(*flags: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-c", PARENT, json.dumps(SLEEPER), json.dumps(SHELL), *flags],
                            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    line = proc.stdout.readline()
    assert line, f"the parent died before starting its services (status {proc.wait()})"
    started = json.loads(line)
    assert not [p for p in started["services"] if gone(p)], started
    return proc, started


def cleanup(proc: subprocess.Popen, started: dict) -> None:
    for pid in [proc.pid, *started["services"], *filter(None, [started["forked"]])]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()


def test_sigkilled_parent_takes_its_services_grandchildren_and_reaper_along():
    proc, started = start_parent()
    try:
        reaper = [p for p in holders(started["lifeline"]) if p != proc.pid]
        assert len(reaper) == 1, f"expected one reaper on {started['lifeline']}, found {reaper}"
        t0 = time.monotonic()
        proc.kill()
        proc.wait()
        assert wait_gone(started["services"]) == []
        assert time.monotonic() - t0 < GONE_WITHIN_S
        assert wait_gone(reaper) == [], "the reaper outlived its work"
    finally:
        cleanup(proc, started)


def test_a_forked_copy_of_the_parent_does_not_keep_the_services_alive():
    proc, started = start_parent("--fork")
    try:
        proc.kill()
        proc.wait()
        assert not gone(started["forked"])
        assert wait_gone(started["services"]) == []
    finally:
        cleanup(proc, started)


def test_a_parent_that_exits_without_stopping_its_services_takes_them_along():
    proc, started = start_parent("--exit")
    try:
        proc.stdin.close()
        assert proc.wait(10) == 0
        assert wait_gone(started["services"]) == []
    finally:
        cleanup(proc, started)


def test_a_service_started_from_a_short_lived_thread_lives_on_with_its_parent():
    box = {}
    worker = threading.Thread(target=lambda: box.update(svc=start_service("from-thread", SLEEPER)))
    worker.start()
    worker.join()
    with box["svc"] as svc:
        time.sleep(1.5)  # longer than the reaper's grace: a death signal tied to the thread would have landed
        assert svc.alive()
    assert not svc.alive() and svc.proc.stdout.closed  # stopped, and its output pipe closed (no ResourceWarning)


# A shell whose background job ignores SIGINT (and says so in the ready line once it does).
DEAF_JOB = ("import json, os, signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "print('PAYCHAOS_READY', json.dumps({'service': 'sh', 'url': '-', 'grandchild': os.getpid()}), flush=True); "
            "time.sleep(600)")
SHELL_WITH_DEAF_JOB = ["sh", "-c", f"{shlex.quote(sys.executable)} -c {shlex.quote(DEAF_JOB)} & wait"]


def test_normal_stop_is_unchanged_and_a_member_that_ignores_sigint_is_ended_when_the_parent_exits():
    # stop() ends the shell with SIGINT as before; its job ignores SIGINT and survives that, so the
    # lifeline keeps holding the group and ends it when the parent exits.
    script = textwrap.dedent("""
        import json, sys
        from paychaos.common import procs
        shell = procs.start_service("shell", json.loads(sys.argv[1]))
        shell.stop()
        print(json.dumps({"leader_status": shell.proc.returncode, "grandchild": shell.info["grandchild"]}), flush=True)
        sys.stdin.readline()
    """)
    grandchild = None
    with subprocess.Popen([sys.executable, "-c", script, json.dumps(SHELL_WITH_DEAF_JOB)], cwd=REPO,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True) as proc:
        try:
            out = json.loads(proc.stdout.readline())
            grandchild = out["grandchild"]
            assert out["leader_status"] is not None and not gone(grandchild)
            proc.stdin.close()  # the parent exits normally
            assert proc.wait(10) == 0
            assert wait_gone([grandchild]) == []
        finally:
            if proc.poll() is None:
                proc.kill()
            if grandchild and not gone(grandchild):
                os.kill(grandchild, signal.SIGKILL)
