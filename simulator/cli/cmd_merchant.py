"""`paychaos merchant resilient|naive`: run a reference merchant integration."""

from __future__ import annotations

import argparse

from paychaos.cli import argtypes
from paychaos.merchants import MERCHANT_NAMES


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "merchant", help="run a reference merchant integration (resilient or naive)",
        description="Run a reference merchant that implements the merchant HTTP contract. Flags override "
                    "STRIPE_API_BASE, STRIPE_BACKUP_API_BASE, STRIPE_WEBHOOK_SECRET and STRIPE_API_KEY.")
    p.add_argument("name", choices=MERCHANT_NAMES, help="which merchant")
    p.add_argument("--host", default="127.0.0.1", type=argtypes.loopback_ipv4_host,
                   help="loopback address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=argtypes.port, default=0, help="0 (default) binds any free port; see the ready line")
    p.add_argument("--gateway-url", help="primary gateway base URL (env STRIPE_API_BASE)")
    p.add_argument("--backup-gateway-url", help="backup gateway base URL (env STRIPE_BACKUP_API_BASE)")
    p.add_argument("--webhook-secret", help="whsec_... to verify webhooks (env STRIPE_WEBHOOK_SECRET)")
    p.add_argument("--api-key", help="gateway secret key (env STRIPE_API_KEY, default sk_test_paychaos)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paychaos.merchants.config import load_config
    from paychaos.merchants.run import serve

    config = load_config(gateway_url=args.gateway_url, backup_gateway_url=args.backup_gateway_url,
                         webhook_secret=args.webhook_secret, api_key=args.api_key,
                         host=args.host, port=args.port)
    return serve(args.name, config)
