"""`python -m tests.shops.willow --port N`: serve Willow on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.browser_shop import serve
from tests.shops.willow.app import create_app

if __name__ == "__main__":
    sys.exit(serve("willow", create_app))
