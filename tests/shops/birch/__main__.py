"""`python -m tests.shops.birch --port N`: serve Birch on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.birch.app import create_app
from tests.shops.browser_shop import serve

if __name__ == "__main__":
    sys.exit(serve("birch", create_app))
