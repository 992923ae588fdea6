"""`python -m tests.shops.lotus --port N`: serve the shop on 127.0.0.1 (readiness: GET /healthz)."""

from __future__ import annotations

import argparse
import sys

from werkzeug.serving import make_server

from tests.shops.lotus.app import UnknownDefect, create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.shops.lotus")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args(argv)
    try:
        app = create_app()
    except UnknownDefect as exc:
        print(f"lotus: cannot start: {exc}", file=sys.stderr)
        return 2
    except (KeyError, OSError) as exc:
        print(f"lotus: cannot start: missing setting or key file: {exc}", file=sys.stderr)
        return 2
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
