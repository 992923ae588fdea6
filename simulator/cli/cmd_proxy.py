"""`paychaos proxy`: the fault-injecting proxy in front of the gateway(s) and the merchant's webhooks."""

from __future__ import annotations

import argparse

from paychaos.cli import argtypes
from paychaos.common.localtoken import choose_token


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "proxy", help="fault-injecting proxy (mitmproxy + paychaos addon)",
        description="Reverse proxy with one listener per upstream; faults from --scenario or the "
                    "control API under /_paychaos; every exchange journaled.")
    p.add_argument("--upstream", action="append", default=[], metavar="[NAME=]URL", type=argtypes.upstream,
                   help="upstream base URL; NAME is primary (default), backup or webhooks; repeatable")
    p.add_argument("--port", type=argtypes.port, default=0, help="port of the primary listener (0: any free port)")
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (or a built-in scenario's name) whose faults: to apply from the start")
    p.add_argument("--journal", metavar="FILE", type=argtypes.writable_file, help="append one JSON line per exchange here")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="seed for the rules' dice (default: the scenario's)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST", type=argtypes.host,
                   help="allow this non-loopback upstream host (repeatable)")
    p.add_argument("--forward", action="store_true",
                   help="also listen as a forward proxy (HTTPS_PROXY) answering api.stripe.com, js.stripe.com "
                        "and checkout.stripe.com locally")
    p.add_argument("--forward-port", type=argtypes.port, default=0,
                   help="port of the forward listener (0: any free port)")
    p.add_argument("--confdir", type=argtypes.writable_dir, help="mitmproxy confdir for the forward-mode CA (default: a fresh temp dir)")
    p.add_argument("--control-token", metavar="TOKEN", default=None,
                   help="token every /_paychaos call must carry in X-Paychaos-Token (default: $PAYCHAOS_TOKEN, "
                        "else a random one; printed in the ready line). Prefer the environment variable: "
                        "other users can read a command line")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from paychaos.proxies.server import ProxyConfig, parse_upstreams, run  # mitmproxy: only when needed

    allow = tuple(args.allow_host)
    cfg = ProxyConfig(upstreams=parse_upstreams(args.upstream, allow), port=args.port, scenario=args.scenario,
                      journal=args.journal, seed=args.seed, allow_hosts=allow, forward=args.forward,
                      forward_port=args.forward_port, confdir=args.confdir,
                      control_token=choose_token(args.control_token, flag="--control-token"))
    return run(cfg)
