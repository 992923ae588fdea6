"""python -m tests.shops.plum --port N --sdk official|community (the gateway and keys from the environment)."""

from __future__ import annotations

import argparse
import sys

from tests.shops.plum.app import create_app
from tests.shops.wallets import UnknownDefect


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.shops.plum")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sdk", choices=("official", "community"), required=True)
    p.add_argument("--stripe-primary", action="store_true",
                   help="charge cards through Stripe first, Alipay only as the fallback (stripe_first.py)")
    args = p.parse_args()
    try:
        app = create_app(args.sdk, stripe_primary=args.stripe_primary)
    except UnknownDefect as exc:
        print(f"plum: cannot start: {exc}", file=sys.stderr)
        sys.exit(2)
    app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main()
