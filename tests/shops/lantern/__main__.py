"""`python -m tests.shops.lantern --port N`: serve Lantern on 127.0.0.1 (readiness: GET /healthz)."""

from __future__ import annotations

import argparse
import sys

from werkzeug.serving import make_server

from tests.shops.lantern.app import create_app
from tests.shops.lantern.defects import UnknownDefect


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.shops.lantern")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args(argv)
    try:
        app = create_app()
    except UnknownDefect as exc:
        print(f"lantern: {exc}", file=sys.stderr)
        return 2
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
