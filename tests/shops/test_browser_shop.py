"""tests/shops/browser_shop.py, what cedar and birch share, each piece alone on a small app of its own (the shops'
own tests drive it end to end: test_cedar, test_birch, test_willow)."""

from __future__ import annotations

from tests.merchants.conftest import event, signed
from tests.shops.browser_shop import Book, place, shop_app

SECRET = "whsec_oak"


def oak_app():
    """A shop of three routes on the shared pieces: place, read (404 when unknown), and the webhook, whose
    handler raises once for the event `evt_failsonce`."""
    book, handled, failures = Book(), [], ["evt_failsonce"]

    def on_event(evt: dict) -> None:
        if evt["id"] in failures:
            failures.remove(evt["id"])
            raise RuntimeError("the database was away")
        handled.append(evt["id"])

    app = shop_app("oak", book, SECRET, on_event)

    @app.post("/orders")
    def new_order():
        order, refusal = place(book)
        return refusal or {"id": order.id, "amount": order.amount, "currency": order.currency}

    @app.get("/orders/<order_id>")
    def read(order_id: str):
        return book.find(order_id).view()

    return app, book, handled


def post_event(client, evt: dict, secret: str = SECRET):
    body, header = signed(evt, secret)
    return client.post("/hooks/stripe", data=body, headers={"Stripe-Signature": header,
                                                            "Content-Type": "application/json"})


def test_an_order_is_placed_once_under_its_id_and_one_without_id_or_amount_is_refused():
    app, book, _ = oak_app()
    client = app.test_client()
    assert client.post("/orders", json={"order_id": "o1", "amount": 1200}).get_json() == {
        "id": "o1", "amount": 1200, "currency": "usd"}
    again = client.post("/orders", data={"order_id": "o1", "amount": "999", "currency": "eur"})   # a form, too
    assert again.get_json() == {"id": "o1", "amount": 1200, "currency": "usd"}
    assert list(book.orders) == ["o1"]
    for body in ({"amount": 1200}, {"order_id": "o2"}, {"order_id": "o2", "amount": -5}):
        answer = client.post("/orders", json=body)
        assert (answer.status_code, answer.get_json()) == (
            400, {"status": "failed", "message": "An order needs an id and an amount."})
    assert list(book.orders) == ["o1"]


def test_an_unknown_order_is_the_shops_404():
    app, _, _ = oak_app()
    client = app.test_client()
    client.post("/orders", json={"order_id": "o1", "amount": 1200})
    assert client.get("/orders/o1").get_json() == {"id": "o1", "status": "pending", "fulfilled": 0}
    answer = client.get("/orders/nope")
    assert (answer.status_code, answer.get_json()) == (404, {"error": "no such order"})


def test_the_webhook_takes_signed_events_once_and_a_failed_one_again_on_the_retry():
    app, _, handled = oak_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False   # a handler that raises is a 500, as when served
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"ok": True}
    first = event("payment_intent.succeeded", {"id": "pi_1"}, "evt_one")
    assert post_event(client, first).get_json() == {"received": True}
    assert post_event(client, first).get_json() == {"received": True, "duplicate": True}
    forged = post_event(client, event("payment_intent.succeeded", {"id": "pi_2"}, "evt_two"), "whsec_other")
    assert (forged.status_code, forged.get_json()) == (400, {"error": "bad signature"})
    retried = event("payment_intent.succeeded", {"id": "pi_3"}, "evt_failsonce")
    assert post_event(client, retried).status_code == 500
    assert post_event(client, retried).get_json() == {"received": True}
    assert handled == ["evt_one", "evt_failsonce"]
