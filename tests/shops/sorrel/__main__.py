"""`python -m tests.shops.sorrel --port N`: serve Sorrel & Thyme on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.shop_main import serve
from tests.shops.sorrel.app import UnknownDefect, create_app

if __name__ == "__main__":
    sys.exit(serve("sorrel", create_app, refused={UnknownDefect: ""}))
