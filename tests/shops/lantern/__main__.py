"""`python -m tests.shops.lantern --port N`: serve Lantern on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.lantern.app import create_app
from tests.shops.lantern.defects import UnknownDefect
from tests.shops.shop_main import serve

if __name__ == "__main__":
    sys.exit(serve("lantern", create_app, refused={UnknownDefect: ""}))
