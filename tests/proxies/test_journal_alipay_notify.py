"""The journal names an Alipay notification (a form, 异步通知) as an event: its notify_id, its trade_status as
the type (what `match: {event.type: TRADE_SUCCESS}` selects) and its trade_no as the object."""

from __future__ import annotations

from urllib.parse import urlencode

from paychaos.proxies.journal import webhook_event


def test_an_alipay_notification_is_an_event():
    body = urlencode({"notify_time": "2026-12-02 10:00:00", "notify_type": "trade_status_sync",
                      "notify_id": "abc123", "trade_no": "2026120222001003000000000001", "out_trade_no": "ord-1",
                      "trade_status": "TRADE_SUCCESS", "total_amount": "12.99", "sign": "x+y/z="}).encode()
    assert webhook_event(body) == {"id": "abc123", "type": "TRADE_SUCCESS",
                                   "object_id": "2026120222001003000000000001", "out_trade_no": "ord-1"}


def test_other_forms_and_stripe_events_are_read_as_before():
    assert webhook_event(b"notify_type=something_else&trade_status=TRADE_SUCCESS") is None
    assert webhook_event(b"a=1&b=2") is None
    stripe = b'{"object": "event", "id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}'
    assert webhook_event(stripe) == {"id": "evt_1", "type": "payment_intent.succeeded", "object_id": "pi_1"}
