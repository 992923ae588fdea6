"""Start a reference merchant: build its routes, bind (port 0 = any free port), print the ready
line, serve until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from paychaos.common.procs import announce_ready
from paychaos.merchants.config import MerchantConfig
from paychaos.merchants.server import make_server, serve_in_thread, server_url


def build(name: str, config: MerchantConfig):
    if name == "resilient":
        from paychaos.merchants.resilient.app import build_routes
    else:
        from paychaos.merchants.naive.app import build_routes
    routes, merchant = build_routes(config)
    return make_server(routes, config.host, config.port), merchant


def serve(name: str, config: MerchantConfig) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s merchant-{name} %(name)s: %(message)s")
    logging.getLogger("stripe").setLevel(logging.WARNING)
    server, _ = build(name, config)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    serve_in_thread(server)
    announce_ready("merchant", url=server_url(server), merchant=name,
                   backup=bool(config.backup_gateway_url))
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0
