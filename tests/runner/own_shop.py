"""A small merchant of our own, shaped unlike the reference merchants: it takes form posts, mints its own
order ids (`A-1001`), answers a checkout with a 303 to the order page, says `complete` / `declined` /
`cancelled`, counts `shipments`, and speaks English only. It records every request it gets.

    with own_shop() as shop:
        shop.url, shop.requests
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Seen:
    method: str
    path: str
    content_type: str
    body: bytes


@dataclass
class Shop:
    url: str
    requests: list[Seen] = field(default_factory=list)
    orders: dict[str, dict] = field(default_factory=dict)


TARGET = """\
name: own-shop
shop: {{languages: [en]}}
base_url: "{url}"
checkout:
  path: /checkout
  form:
    order: "{{order.id}}"
    amount: "{{order.amount}}"
    payment_method: "{{payment.token}}"
    card: {{number: "{{card.number}}", cvc: "{{card.cvc}}"}}
    email: "{{customer.email}}"
    locale: "{{customer.locale}}"
  outcome:
    status: "$.state"
    paid: [complete]
    pending: [processing]
    message: "$.error.message"
    order_id: "$.id"
order_status:
  path: "/orders/{{order.merchant_id}}"
  status: "$.state"
  fulfilled: "$.shipments"
  paid: [complete]
  failed: [declined]
  canceled: [cancelled]
cancel: {{path: "/orders/{{order.merchant_id}}/cancel"}}
"""


def _handler(shop: Shop, ids):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _seen(self) -> bytes:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            shop.requests.append(Seen(self.command, self.path, self.headers.get("Content-Type") or "", body))
            return body

        def do_POST(self):
            body = self._seen()
            if self.path == "/checkout":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                order_id = f"A-{next(ids)}"
                declined = "Declined" in form.get("payment_method", "")
                order = {"id": order_id, "state": "declined" if declined else "complete",
                         "shipments": [] if declined else [{"carrier": "post"}], "form": form}
                shop.orders[order_id] = order
                answer = {"id": order_id, "state": order["state"]}
                if declined:
                    answer["error"] = {"message": "Your card was declined. Please try a different card."}
                self._answer(303, answer, {"Location": f"/orders/{order_id}"})
            elif self.path.startswith("/orders/") and self.path.endswith("/cancel"):
                order = shop.orders.get(self.path.split("/")[2])
                if order is None:
                    self._answer(404, {"error": {"message": "no such order"}})
                    return
                order["state"] = "cancelled"
                self._answer(200, {"id": order["id"], "state": "cancelled"})
            else:
                self._answer(404, {"error": {"message": "not found"}})

        def do_GET(self):
            self._seen()
            order = shop.orders.get(self.path.removeprefix("/orders/"))
            if order is None:
                self._answer(404, {"error": {"message": "no such order"}})
                return
            self._answer(200, {"id": order["id"], "state": order["state"], "shipments": order["shipments"]})

    return Handler


@contextlib.contextmanager
def own_shop():
    ids = itertools.count(1001)
    shop = Shop(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop, ids))
    server.daemon_threads = True
    shop.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="own-shop")
    thread.start()
    try:
        yield shop
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def target_text(url: str) -> str:
    return TARGET.format(url=url)
