"""Run mitmproxy with the paychaos addon in this process (what `paychaos proxy` does).

One reverse listener per named upstream (connection_strategy=lazy, so an outage still answers as the
rules say), an optional forward listener with its own confdir (CA), all on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass, field

from mitmproxy.options import Options
from mitmproxy.tools.dump import DumpMaster

from paychaos.common.errors import InputError
from paychaos.common.netsafety import check_upstream
from paychaos.common.procs import make_temp_dir, remove_temp_dir
from paychaos.proxies.addon import PaychaosAddon, load_scenario_rules

UPSTREAM_NAMES = ("primary", "backup", "webhooks")
# mitmproxy refuses two listeners on the same "host:port" even when the port is 0, so each listener
# gets its own spelling of 127.0.0.1 (inet_aton accepts all of these); every one binds loopback.
LOOPBACK_SPELLINGS = ("127.0.0.1", "127.1", "127.0.1", "2130706433")
TEMP_PREFIX = "paychaos-proxy-"  # the confdir made per run when --confdir is not given


@dataclass
class ProxyConfig:
    upstreams: dict[str, str]                  # name -> base URL, primary first
    port: int = 0                              # primary listener; the others always take port 0
    scenario: str | None = None
    journal: str | None = None
    seed: int = 0
    allow_hosts: tuple[str, ...] = ()
    forward: bool = False
    forward_port: int = 0
    confdir: str | None = None
    control_token: str = ""                    # empty: $PAYCHAOS_TOKEN, else a random one
    extra_options: dict = field(default_factory=dict)


def parse_upstreams(values: list[str], allow_hosts: tuple[str, ...] = ()) -> dict[str, str]:
    """`--upstream URL` (primary) or `--upstream NAME=URL`, repeatable; validated for safety."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or "://" in name:
            name, url = "primary", value
        if name not in UPSTREAM_NAMES:
            raise InputError(f"unknown upstream name {name!r}", field="--upstream",
                             valid="URL, primary=URL, backup=URL, webhooks=URL")
        if name in out:
            raise InputError(f"upstream {name!r} given twice", field="--upstream", valid="one URL per name")
        check_upstream(url, allow_hosts, field=f"--upstream {name}")
        out[name] = url.rstrip("/")
    if not out:
        raise InputError("at least one upstream is needed", field="--upstream", valid="--upstream URL")
    return out


def mode_specs(upstreams: dict[str, str], port: int) -> tuple[list[str], list[str]]:
    """mitmproxy --mode values and the names in the same order. Two upstreams with the same URL get
    distinct specs (a trailing slash), since mitmproxy keys its listeners by spec."""
    modes, names, seen = [], [], set()
    for i, (name, url) in enumerate(upstreams.items()):
        target = url
        if target in seen:
            target = url + "/"
            if target in seen:
                raise InputError(f"more than two upstreams share {url}", field="--upstream",
                                 valid="distinct URLs")
        seen.add(target)
        modes.append(f"reverse:{target}@{LOOPBACK_SPELLINGS[i]}:{port if i == 0 else 0}")
        names.append(name)
    return modes, names


async def serve(cfg: ProxyConfig, confdir: str) -> None:
    modes, names = mode_specs(cfg.upstreams, cfg.port)
    if cfg.forward:
        modes.append(f"regular@{LOOPBACK_SPELLINGS[len(modes)]}:{cfg.forward_port}")
    opts = Options()
    master = DumpMaster(opts, with_termlog=True, with_dumper=False)
    master.addons.add(PaychaosAddon())
    opts.update(
        mode=modes, connection_strategy="lazy", confdir=confdir, termlog_verbosity="warn",
        paychaos_names=",".join(names), paychaos_allow_hosts=",".join(cfg.allow_hosts),
        paychaos_journal=cfg.journal or "", paychaos_scenario=cfg.scenario or "", paychaos_seed=cfg.seed,
        paychaos_announce=True, paychaos_control_token=cfg.control_token, ssl_insecure=False, **cfg.extra_options,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, master.shutdown)
    try:
        await master.run()
    finally:
        ps = master.addons.get("proxyserver")
        if ps is not None:
            await ps.servers.update([])


def run(cfg: ProxyConfig) -> int:
    # Validate the scenario's faults before anything listens: a bad file is exit 2, not a traceback.
    if cfg.scenario:
        load_scenario_rules(cfg.scenario, cfg.seed)
    # mitmproxy's CA (with its private key) lives in the confdir: one of our own is removed on every
    # exit, by the `finally` on a normal one, Ctrl-C or SIGTERM, by the lifeline's reaper after SIGKILL.
    confdir = cfg.confdir or make_temp_dir(TEMP_PREFIX)
    try:
        asyncio.run(serve(cfg, confdir))
    finally:
        if not cfg.confdir:
            remove_temp_dir(confdir)
    return 0
