"""`python -m tests.shops.cedar --port N`: serve Cedar on 127.0.0.1 (readiness: GET /healthz)."""

import sys

from tests.shops.browser_shop import serve
from tests.shops.cedar.app import create_app

if __name__ == "__main__":
    sys.exit(serve("cedar", create_app))
