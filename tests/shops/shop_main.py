"""What every test shop's `python -m tests.shops.NAME --port N` shares: serve the shop's app on 127.0.0.1
(threaded; the shop's GET /healthz is its readiness), and refuse a bad setting with one line on stderr and
exit 2 instead of a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping

from werkzeug.serving import make_server

# An exception type (or a tuple of them) -> what the line on stderr says before the exception's own words
Refusals = Mapping[type[BaseException] | tuple[type[BaseException], ...], str]


def serve(name: str, create_app: Callable[[], object], argv: list[str] | None = None, *,
          refused: Refusals) -> int:
    """Build the app and serve it until Ctrl-C (0); an exception of a refused kind from create_app():
    `NAME: <words><exception>` on stderr, exit 2."""
    parser = argparse.ArgumentParser(prog=f"python -m tests.shops.{name}")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args(argv)
    try:
        app = create_app()
    except Exception as exc:
        words = next((w for kinds, w in refused.items() if isinstance(exc, kinds)), None)
        if words is None:
            raise
        print(f"{name}: {words}{exc}", file=sys.stderr)
        return 2
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
