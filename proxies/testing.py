"""Test helpers that ship with the package: a real proxy process and its control API.

    with running_proxy({"primary": gateway.url}, journal=tmp_path / "j.jsonl") as proxy:
        set_rules(proxy.info["control"], [{"fault": "http_error", "params": {"status": 503}}])
        ...  # talk to proxy.url

The control helpers send the proxy's token (X-Paychaos-Token) by themselves: the one of its ready
line when this process started it (`localtoken.token_for(url)`), or the `token=` given.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from urllib import request as urlrequest

from paychaos.common import localtoken
from paychaos.common.procs import Service, paychaos_argv, start_service


@contextlib.contextmanager
def running_proxy(upstreams: dict[str, str], *, scenario: str | os.PathLike | None = None,
                  journal: str | os.PathLike | None = None, seed: int | None = None, forward: bool = False,
                  confdir: str | os.PathLike | None = None, allow_hosts: tuple[str, ...] = (),
                  env: dict | None = None, control_token: str | None = None,
                  timeout: float = 30.0) -> Iterator[Service]:
    """`paychaos proxy` as a subprocess (own process group), stopped on exit. Yields the Service;
    `.url` is the primary listener, `.info` the whole ready line (listeners, control, journal, token, ...).
    `control_token` is given as --control-token (visible to other users in `ps`: tests only)."""
    argv = paychaos_argv("proxy")
    for name, url in upstreams.items():
        argv += ["--upstream", f"{name}={url}"]
    if scenario:
        argv += ["--scenario", str(scenario)]
    if journal:
        argv += ["--journal", str(journal)]
    if seed is not None:
        argv += ["--seed", str(seed)]
    if forward:
        argv += ["--forward"]
    if confdir:
        argv += ["--confdir", str(confdir)]
    for host in allow_hosts:
        argv += ["--allow-host", host]
    if control_token is not None:
        argv += ["--control-token", control_token]
    svc = start_service("proxy", argv, env=env, timeout=timeout)
    try:
        yield svc
    finally:
        svc.stop()


def control_headers(url: str, token: str | None = None) -> dict[str, str]:
    """Headers a control API call needs: JSON, and the proxy's token (given, or found by its URL)."""
    return {"Content-Type": "application/json", **localtoken.headers(token or localtoken.token_for(url))}


def _call(method: str, url: str, body: dict | None = None, timeout: float = 10.0,
          token: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urlrequest.Request(url, data=data, method=method, headers=control_headers(url, token))
    try:
        with urlrequest.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urlrequest.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        raise RuntimeError(f"{method} {url} -> {exc.code}: {detail}") from None


def set_rules(control_url: str, rules: list, scenario: str | None = None, seed: int = 1, *,
              token: str | None = None) -> dict:
    """Replace the proxy's rules (restarts the window clock). Raises RuntimeError with the 400 text."""
    return _call("PUT", control_url.rstrip("/") + "/rules", {"rules": rules, "seed": seed, "scenario": scenario},
                 token=token)


def clear_rules(control_url: str, *, token: str | None = None) -> dict:
    return _call("DELETE", control_url.rstrip("/") + "/rules", token=token)


def get_rules(control_url: str, *, token: str | None = None) -> dict:
    return _call("GET", control_url.rstrip("/") + "/rules", token=token)
