"""`python -m tests.shops.jade --port N`: serve the shop on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.jade.app import create_app
from tests.shops.shop_main import serve
from tests.shops.wallets import UnknownDefect

if __name__ == "__main__":
    sys.exit(serve("jade", create_app, refused={(UnknownDefect, KeyError, OSError): "cannot start: "}))
