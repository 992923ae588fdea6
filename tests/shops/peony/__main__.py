"""`python -m tests.shops.peony --port N`: serve the shop on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.peony.app import create_app
from tests.shops.shop_main import serve
from tests.shops.wallets import UnknownDefect

if __name__ == "__main__":
    sys.exit(serve("peony", create_app, refused={UnknownDefect: "cannot start: ",
                                                 (KeyError, OSError): "cannot start: missing setting or key file: "}))
