"""The proxy's own confdir (mitmproxy's CA, private key included) is removed on every exit: a normal
stop (SIGINT, as Ctrl-C), SIGTERM, and SIGKILL (by the lifeline's reaper)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from paychaos.proxies.testing import running_proxy


def wait_gone(path: str, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not os.path.exists(path)


@pytest.mark.parametrize("how", ["sigint", "sigterm", "sigkill"])
def test_the_proxy_confdir_is_removed_on_exit(upstream, how):
    with running_proxy({"primary": upstream.url}, forward=True) as proxy:
        confdir = os.path.dirname(proxy.info["ca_cert"])
        assert os.path.basename(confdir).startswith("paychaos-proxy-")
        assert any(name.endswith(".pem") for name in os.listdir(confdir))
        if how != "sigint":  # sigint: running_proxy's own stop
            os.kill(proxy.proc.pid, signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
            proxy.proc.wait(10)
    assert wait_gone(confdir), f"{confdir} ({how}) holds the CA's private key after the proxy ended"
