"""`paychaos merchant` input errors: exit 2, one line naming the flag and the valid forms."""

from __future__ import annotations

import os
import subprocess

import pytest

from paychaos.common.procs import paychaos_argv


def _run(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    env.update(env_extra or {})
    return subprocess.run(paychaos_argv("merchant", *args), capture_output=True, text=True, env=env, timeout=30)


@pytest.mark.parametrize("args, env_extra, expected", [
    (["resilient"], None, "--gateway-url / STRIPE_API_BASE: no gateway URL given"),
    (["naive", "--gateway-url", "127.0.0.1:1"], None, "'127.0.0.1:1' is not a URL (valid: http://HOST:PORT"),
    (["resilient"], {"STRIPE_API_BASE": "http://127.0.0.1:1", "STRIPE_BACKUP_API_BASE": "ftp://x"},
     "STRIPE_BACKUP_API_BASE: 'ftp://x' is not a URL"),
    (["resilient", "--gateway-url", "http://127.0.0.1:1", "--api-key", "sk_live_abc"], None, "live secret key"),
])
def test_bad_input_exits_2_without_traceback(args, env_extra, expected):
    out = _run(*args, env_extra=env_extra)
    assert out.returncode == 2
    assert expected in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.startswith("paychaos merchant: error: ")
