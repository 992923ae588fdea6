"""`python -m tests.shops.orchid --port N`: serve the shop on 127.0.0.1 (readiness: GET /ping)."""

import sys

from tests.shops.orchid.app import create_app
from tests.shops.shop_main import serve
from tests.shops.wallets import UnknownDefect

if __name__ == "__main__":
    sys.exit(serve("orchid", create_app, refused={(UnknownDefect, KeyError, OSError): "cannot start: "}))
