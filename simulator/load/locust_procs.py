"""Locust as subprocesses: one local runner, or a master and N workers on loopback, each in its own
process group so nothing outlives the run. Never imports locust (gevent would patch this process).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from paychaos.common.ports import free_port
from paychaos.common.procs import start_process_group, stop_process_group

STOP_TIMEOUT_S = 15   # users finish the checkout in flight when a phase or the run ends
WORKER_WAIT_S = 30    # how long the master waits for its workers to connect
CONTROL_TOKENS_ENV = "PAYCHAOS_CONTROL_TOKENS"   # JSON {control URL: token}, for the master's rule switches


@dataclass
class LocustRun:
    master: subprocess.Popen
    workers: list[subprocess.Popen] = field(default_factory=list)
    json_file: Path | None = None
    log_file: Path | None = None
    web_url: str | None = None
    master_port: int | None = None

    def running(self) -> bool:
        return self.master.poll() is None

    def wait(self, timeout: float) -> int | None:
        try:
            return self.master.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def finish(self) -> None:
        """Ask Locust to stop and write what it has (SIGTERM runs its quitting hooks), then make sure."""
        if self.master.poll() is None:
            try:
                os.killpg(self.master.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.master.wait(STOP_TIMEOUT_S + 10)
            except subprocess.TimeoutExpired:
                pass
        self.stop()

    def stop(self) -> None:
        for proc in [self.master, *self.workers]:
            stop_process_group(proc, timeout=5.0)

    def log_tail(self, chars: int = 2000) -> str:
        if self.log_file and self.log_file.exists():
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-chars:]
        return ""


def start_locust(locustfile: Path, config: dict, workdir: Path, *, host: str, workers: int = 0,
                 web: bool = False, remote_workers: int = 0, master_bind_host: str = "127.0.0.1",
                 master_port: int | None = None, control_tokens: dict[str, str] | None = None) -> LocustRun:
    """Local workers connect over loopback; `remote_workers` more are expected from other machines
    (`locust -f PROFILE --worker --master-host THIS_HOST --master-port PORT`).

    `control_tokens` (control URL -> token) reach the master, which switches the rules, through the
    environment variable CONTROL_TOKENS_ENV, not through `--paychaos-config`: a command line can be
    read by every user of the machine, an environment only by its owner."""
    base = [sys.executable, "-m", "locust", "-f", str(locustfile), "--host", host,
            "--paychaos-config", json.dumps(config), "--exit-code-on-error", "0",
            "--stop-timeout", str(STOP_TIMEOUT_S), "--loglevel", "WARNING"]
    json_stem = workdir / "locust-stats"
    json_stem.with_suffix(".json").unlink(missing_ok=True)  # a report dir reused: never read an old run's count
    log_file = workdir / "locust.log"
    main = [*base, "--json-file", str(json_stem)]   # written at shutdown, with the web UI too
    web_url = None
    if web:
        port = free_port()
        main += ["--web-host", "127.0.0.1", "--web-port", str(port)]
        # The start form, filled in with the run's values; what it says when Start is pressed is what runs.
        main += ["--users", str(config["users"]), "--spawn-rate", str(config["users"])]
        if float(config["duration_s"]).is_integer():   # Locust reads whole seconds only; else the form is empty
            main += ["--run-time", f"{int(config['duration_s'])}s"]
        web_url = f"http://127.0.0.1:{port}"
    else:
        main += ["--headless", "--only-summary"]
    if workers or remote_workers:
        master_port = master_port or free_port()
        main += ["--master", "--master-bind-host", master_bind_host, "--master-bind-port", str(master_port),
                 "--expect-workers", str(workers + remote_workers),
                 "--expect-workers-max-wait", str(WORKER_WAIT_S * (10 if remote_workers else 1))]
    secret_env = {CONTROL_TOKENS_ENV: json.dumps(control_tokens or {})}
    run = LocustRun(_spawn(main, log_file, secret_env), json_file=json_stem.with_suffix(".json"), log_file=log_file,
                    web_url=web_url, master_port=master_port)
    try:
        for i in range(workers):
            argv = [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)]
            run.workers.append(_spawn(argv, workdir / f"locust-worker-{i}.log"))
    except BaseException:
        run.stop()
        raise
    return run


def _spawn(argv: list[str], log_path: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    with open(log_path, "w", encoding="utf-8") as log:
        return start_process_group(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})})
