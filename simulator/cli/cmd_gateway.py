"""`paychaos gateway`: the Stripe-compatible fake gateway (see docs/gateway.md)."""

from __future__ import annotations

import argparse

from simulator.cli import argtypes
from simulator.common.errors import InputError
from simulator.common.netsafety import check_upstream

MAX_DELAY_MS = 600_000  # ten minutes: longer than any client timeout worth testing


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "gateway", help="run the Stripe-compatible fake gateway",
        description="Run the Stripe-compatible fake gateway. Prints a PAYCHAOS_READY line with its URL.")
    p.add_argument("--host", default="127.0.0.1", type=argtypes.loopback_host, help="address to bind (loopback only; default 127.0.0.1)")
    p.add_argument("--port", type=argtypes.port, default=0, help="port to bind; 0 (default) picks a free one")
    p.add_argument("--webhook-url", type=argtypes.url, help="deliver every event to this URL (loopback)")
    p.add_argument("--webhook-secret", default=None,
                   help="signing secret for --webhook-url (default whsec_paychaos_test)")
    p.add_argument("--seed", type=argtypes.seed, default=None, help="make ids deterministic")
    p.add_argument("--processing-delay-ms", type=argtypes.whole(0, MAX_DELAY_MS), default=0,
                   help="hold each money-moving call this long (to test timeouts and in-flight idempotency)")
    p.add_argument("--webhook-max-attempts", type=argtypes.whole(1, 100), default=5, help="delivery attempts per event (default 5)")
    p.add_argument("--webhook-retry-base-ms", type=argtypes.whole(0, MAX_DELAY_MS), default=200,
                   help="first retry delay, doubled on each attempt (default 200)")
    p.add_argument("--webhook-timeout-s", type=argtypes.number(0, 600, above=True), default=5.0, help="per-attempt timeout (default 5)")
    p.set_defaults(func=run)


def options_from(args: argparse.Namespace):
    from simulator.gateway.server import DEFAULT_WEBHOOK_SECRET, Options

    if args.webhook_url:
        check_upstream(args.webhook_url, field="--webhook-url")
    elif args.webhook_secret:
        raise InputError("a secret without --webhook-url has nothing to sign for", field="--webhook-secret",
                         valid="use it together with --webhook-url")
    return Options(host=args.host, port=args.port, webhook_url=args.webhook_url,
                   webhook_secret=args.webhook_secret or DEFAULT_WEBHOOK_SECRET, seed=args.seed,
                   processing_delay_ms=args.processing_delay_ms, webhook_max_attempts=args.webhook_max_attempts,
                   webhook_retry_base_ms=args.webhook_retry_base_ms, webhook_timeout_s=args.webhook_timeout_s)


def run(args: argparse.Namespace) -> int:
    from simulator.gateway.server import run as serve

    return serve(options_from(args))
