"""`paychaos gateway-wechatpay`: the fake WeChat Pay v3 gateway (see docs/gateway-wechatpay.md)."""

from __future__ import annotations

import argparse

from paychaos.cli import argtypes
from paychaos.cli.cmd_gateway import _allowed_hosts, notify_url
from paychaos.common.localtoken import choose_token


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "gateway-wechatpay", help="run the fake WeChat Pay v3 gateway",
        description="Run the fake WeChat Pay v3 gateway (the API wechatpayv3 speaks). Makes the run's keys, "
                    "writes the merchant's files and prints a PAYCHAOS_READY line with its URL and their paths.")
    p.add_argument("--host", default="127.0.0.1", type=argtypes.loopback_host,
                   help="address to bind (loopback only; default 127.0.0.1)")
    p.add_argument("--port", type=argtypes.port, default=0, help="port to bind; 0 (default) picks a free one")
    p.add_argument("--keys-dir", type=argtypes.writable_dir, default=None,
                   help="write the merchant's key, platform certificates and APIv3 key here and keep them; "
                        "a later start on DIR reuses those keys (default: a temporary folder, removed on exit)")
    p.add_argument("--notify-url", type=argtypes.url, default=None,
                   help="deliver every notification here instead of the order's notify_url (loopback)")
    p.add_argument("--notify-scale", type=argtypes.number(0, 10), default=0.01,
                   help="WeChat Pay's retry schedule (15s, 15s, 30s, 3m, ...) times this; default 0.01, "
                        "1 for the real one")
    p.add_argument("--notify-timeout-s", type=argtypes.number(0, 600, above=True), default=5.0,
                   help="per-attempt timeout of a notification (default 5)")
    p.add_argument("--allow-webhook-host", action="append", default=[], metavar="HOST",
                   help="also deliver notifications to this non-loopback host (repeatable)")
    p.add_argument("--sim-token", metavar="TOKEN", default=None,
                   help="token every /_sim call must carry in X-Paychaos-Token (default: $PAYCHAOS_TOKEN, "
                        "else a random one; printed in the ready line)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paychaos.gateway.wechatpay.server import Options
    from paychaos.gateway.wechatpay.server import run as serve

    allow = _allowed_hosts(args.allow_webhook_host)
    return serve(Options(host=args.host, port=args.port, keys_dir=args.keys_dir,
                         notify_url=notify_url(args.notify_url, allow),
                         notify_scale=args.notify_scale, notify_timeout_s=args.notify_timeout_s,
                         allow_webhook_hosts=allow, sim_token=choose_token(args.sim_token, flag="--sim-token")))
