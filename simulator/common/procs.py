"""Start paychaos services as child processes and learn their real ports.

Contract: every long-running paychaos service (gateway, proxy, merchant) binds port 0 when asked,
then prints one line to stdout and flushes it:

    PAYCHAOS_READY {"service": "gateway", "url": "http://127.0.0.1:54321", ...}

`start_service` waits for that line, keeps draining the rest of the output into a bounded tail
(shown when something goes wrong), and `Service.stop()` ends the whole process group.

Nothing started here outlives this process, however it ends. A normal exit, Ctrl-C or SIGTERM
stops each group through `stop_process_group` (the atexit hook covers what is still running). For
SIGKILL, which runs no code of ours, every group started by `start_process_group` is held by a
lifeline: the first start spawns one small reaper per process (`python -I -S procs.py --reaper FD`,
forked once more so it is not our child, in its own session, without our environment) that reads
the other end of a pipe only this process can write. We send it `+PGID` / `-PGID` as groups start
and end; when the pipe reads EOF, this process is gone, and the reaper sends SIGTERM to the groups
still held, then SIGKILL to what is left after REAPER_GRACE_S, and exits. `stop_process_group`
lets go of a group only once it is empty: members that outlive their leader (a shell's background
job ignores SIGINT) end when this process does, at the latest.

Why not `prctl(PR_SET_PDEATHSIG)` in a `preexec_fn` (free, no extra process): the death signal
fires when the *thread* that forked the child ends, and the runner (`runner.session`) and the load
stack (`load.stack`) start gateways from ThreadPoolExecutor threads that end right after, so those
gateways would be killed at once; it reaches only the direct child, not what a shell command started
in the group; `preexec_fn` makes Popen run Python in the forked child of a threaded process (unsafe,
and slower than the vfork path); and it is Linux-only. The lifeline cares about none of that: it
fires when the last copy of the write end closes, which is process death (the end is close-on-exec,
and closed in children made by a bare `os.fork`), and it ends whole groups. Cost: one reaper spawn
per process (30-60 ms, once) and one pipe write per start and stop. What it cannot catch: processes
that leave their group (setsid, double-forking daemons), and the instant between Popen returning and
the `+PGID` write.

Temporary directories ride the same lifeline: `make_temp_dir(prefix)` creates one and holds it
(`dHEXPATH` on the pipe), `remove_temp_dir(path)` removes it and lets go (`uHEXPATH`); the reaper
removes the directories still held when this process dies, SIGKILL included. The proxy keeps
mitmproxy's CA (its private key too) in one of these.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

READY_PREFIX = "PAYCHAOS_READY "
REAPER_GRACE_S = 1.0   # after the parent died: SIGTERM, then SIGKILL to what is left this much later
REAPER_PRUNE_S = 2.0   # how often the reaper forgets groups that ended without a `-PGID`

_live: set[Service] = set()
_live_lock = threading.Lock()


def announce_ready(service: str, **info) -> None:
    """Print the ready line (called by the services themselves)."""
    sys.stdout.write(READY_PREFIX + json.dumps({"service": service, **info}) + "\n")
    sys.stdout.flush()


class ServiceError(RuntimeError):
    def __init__(self, message: str, tail: str = ""):
        super().__init__(message + (f"\n--- last output ---\n{tail}" if tail else ""))
        self.tail = tail


@dataclass(eq=False)
class Service:
    name: str
    proc: subprocess.Popen
    info: dict = field(default_factory=dict)
    _tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=200))
    _drainer: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.info["url"]

    def tail(self) -> str:
        return "".join(self._tail)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        stop_process_group(self.proc, timeout)
        from paychaos.common import localtoken  # not at the top: the reaper runs this file alone (-I)
        localtoken.forget(self.info)
        with _live_lock:
            _live.discard(self)
        # The output pipe reaches EOF once the group is gone; then it is closed here, not left to the
        # collector (a ResourceWarning). A member still holding it keeps it open until it ends.
        if self._drainer is not None:
            self._drainer.join(1.0)
            if not self._drainer.is_alive() and self.proc.stdout is not None:
                self.proc.stdout.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_process_group(argv: list[str], **popen_kwargs) -> subprocess.Popen:
    """`subprocess.Popen` in a new session (its own process group), held by this process's lifeline:
    the group gets SIGTERM, then SIGKILL, if this process dies without stopping it."""
    _lifeline.ensure()
    proc = subprocess.Popen(argv, start_new_session=True, **popen_kwargs)
    try:
        _lifeline.hold(proc.pid)
    except BaseException:
        stop_process_group(proc, timeout=1.0)
        raise
    return proc


def stop_process_group(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGINT to the group, then SIGTERM, then SIGKILL, until the group leader has exited."""
    try:
        _stop_leader(proc, timeout)
    finally:
        if not _group_alive(proc.pid):  # members that outlived the leader stay held till we exit
            _lifeline.release(proc.pid)


def _stop_leader(proc: subprocess.Popen, timeout: float) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the id now belongs to someone else's group: not ours any more
        return False
    return True


class _Lifeline:
    """This process's end of the lifeline (see the module docstring): the pipe to the reaper and the
    process groups it holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._held: set[int] = set()
        self._dirs: set[str] = set()

    def ensure(self) -> None:
        with self._lock:
            if self._fd is None:
                self._start_reaper()

    def hold(self, pgid: int) -> None:
        with self._lock:
            self._held.add(pgid)
            self._send(b"+%d\n" % pgid)

    def release(self, pgid: int) -> None:
        with self._lock:
            if pgid in self._held:
                self._held.discard(pgid)
                self._send(b"-%d\n" % pgid)

    def hold_dir(self, path: str) -> None:
        with self._lock:
            if self._fd is None:
                self._start_reaper()
            self._dirs.add(path)
            self._send(b"d%s\n" % os.fsencode(path).hex().encode())

    def release_dir(self, path: str) -> None:
        with self._lock:
            if path in self._dirs:
                self._dirs.discard(path)
                self._send(b"u%s\n" % os.fsencode(path).hex().encode())

    def forget_after_fork(self) -> None:
        """In a child made by os.fork: the parent's groups are not ours, and our copy of the write
        end must not keep the parent's lifeline open."""
        self._lock = threading.Lock()
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd = None
        self._held = set()
        self._dirs = set()

    def _send(self, message: bytes) -> None:
        if self._fd is not None:
            try:
                os.write(self._fd, message)
                return
            except OSError:  # the reaper was killed: start another and hand it every held group
                os.close(self._fd)
                self._fd = None
        self._start_reaper()

    def _start_reaper(self) -> None:
        read_end, write_end = os.pipe()  # both close-on-exec; only read_end is passed on
        try:
            env = {k: os.environ[k] for k in ("PATH", "LD_LIBRARY_PATH") if k in os.environ}
            subprocess.run([sys.executable, "-I", "-S", os.path.abspath(__file__), "--reaper", str(read_end)],
                           pass_fds=(read_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env, cwd="/", start_new_session=True,
                           check=True, timeout=30)
        except BaseException:
            os.close(write_end)
            raise
        finally:
            os.close(read_end)
        self._fd = write_end
        self._held = {pgid for pgid in self._held if _group_alive(pgid)}
        self._dirs = {path for path in self._dirs if os.path.isdir(path)}
        held = [b"+%d\n" % pgid for pgid in self._held]
        held += [b"d%s\n" % os.fsencode(path).hex().encode() for path in self._dirs]
        if held:
            os.write(write_end, b"".join(held))


_lifeline = _Lifeline()
os.register_at_fork(after_in_child=_lifeline.forget_after_fork)


def make_temp_dir(prefix: str) -> str:
    """`tempfile.mkdtemp(prefix=prefix)`, removed by the lifeline's reaper if this process dies
    (SIGKILL included) before `remove_temp_dir` removes it."""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        _lifeline.hold_dir(path)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def remove_temp_dir(path: str) -> None:
    """Remove a directory made by `make_temp_dir` and let go of it (safe to call twice)."""
    shutil.rmtree(path, ignore_errors=True)
    _lifeline.release_dir(path)


def _reaper(fd: int) -> None:
    """The reaper's main loop: hold the groups named on the pipe; on EOF end those still held."""
    if os.fork():
        os._exit(0)  # the first process exits at once, so the reaper is nobody's child of ours
    groups: set[int] = set()
    dirs: set[bytes] = set()
    pending = b""
    while True:
        readable, _, _ = select.select([fd], [], [], REAPER_PRUNE_S if groups else None)
        if not readable:
            groups = {g for g in groups if _group_alive(g)}
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            tag, value = line[:1], line[1:]
            if tag == b"+":
                groups.add(int(value))
            elif tag == b"-":
                groups.discard(int(value))
            elif tag == b"d":
                dirs.add(bytes.fromhex(value.decode()))
            elif tag == b"u":
                dirs.discard(bytes.fromhex(value.decode()))
    _end_groups(groups)   # first: a service may still be writing into one of the directories
    for path in dirs:
        shutil.rmtree(path, ignore_errors=True)


def _end_groups(groups: set[int]) -> None:
    for pgid in groups:
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + REAPER_GRACE_S
    while groups and time.monotonic() < deadline:
        time.sleep(0.05)
        groups = {g for g in groups if _group_alive(g)}
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def _drain(svc: Service, ready: threading.Event) -> None:
    assert svc.proc.stdout is not None
    for line in svc.proc.stdout:
        if not ready.is_set() and line.startswith(READY_PREFIX):
            try:
                svc.info.update(json.loads(line[len(READY_PREFIX):]))
            except ValueError:
                svc._tail.append(line)
                continue
            ready.set()
            continue
        svc._tail.append(line)
    ready.set()  # EOF: the process ended; start_service notices


def start_service(name: str, argv: list[str], *, env: dict | None = None, timeout: float = 20.0,
                  cwd: str | None = None) -> Service:
    """Start argv, wait for its ready line, return the Service. Raises ServiceError with the output tail."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    proc = start_process_group(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env=full_env, cwd=cwd, text=True, bufsize=1,
    )
    svc = Service(name, proc)
    with _live_lock:
        _live.add(svc)
    ready = threading.Event()
    svc._drainer = threading.Thread(target=_drain, args=(svc, ready), daemon=True, name=f"drain-{name}")
    svc._drainer.start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if time.monotonic() > deadline:
            svc.stop()
            raise ServiceError(f"{name} did not get ready within {timeout:g}s", svc.tail())
    if "url" not in svc.info and "service" not in svc.info:
        time.sleep(0.1)
        svc.stop()
        raise ServiceError(f"{name} exited with status {proc.poll()} before it was ready", svc.tail())
    from paychaos.common import localtoken  # not at the top: the reaper runs this file alone (-I)
    localtoken.remember(svc.info)  # test helpers given only a URL find the token (see localtoken)
    return svc


def paychaos_argv(*args: str) -> list[str]:
    """argv that runs the paychaos CLI with this very interpreter."""
    return [sys.executable, "-P", "-m", "paychaos.cli", *args]


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        services = list(_live)
    for svc in services:
        svc.stop(timeout=2.0)


if __name__ == "__main__" and sys.argv[1:2] == ["--reaper"]:
    _reaper(int(sys.argv[2]))
