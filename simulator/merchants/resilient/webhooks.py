"""Webhook intake for the resilient merchant: verify Stripe's signature (paychaos.common.stripe_signature,
as Stripe's libraries check it: HMAC-SHA256, at most 5 minutes old), handle each event id once (gateways
deliver duplicates and out of order), and answer fast."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from paychaos.common.stripe_signature import verify
from paychaos.merchants.server import Request

log = logging.getLogger("paychaos.merchant.webhooks")


def read_event(body: bytes) -> dict | None:
    """The event a verified body carries ({id, type, data: {object}}), or None when it is not one."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        return None
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return None
    return event


class WebhookInbox:
    def __init__(self, secret: str | None, handle: Callable[[dict], None], remember: int = 200_000):
        self.secret = secret
        self._handle = handle
        self._remember = remember
        self._seen: OrderedDict[str, bool] = OrderedDict()   # event id -> handled (False: in progress)
        self._lock = threading.Lock()
        self.rejected = 0
        self.duplicates = 0

    def receive(self, req: Request) -> tuple[int, dict]:
        if not self.secret:
            return 400, {"error": "webhook secret not configured (STRIPE_WEBHOOK_SECRET)"}
        event = None
        if verify(req.body, req.headers.get("stripe-signature", ""), self.secret):
            event = read_event(req.body)
        if event is None:
            with self._lock:
                self.rejected += 1
            log.warning("webhook rejected: bad or missing signature, or not an event")
            return 400, {"error": "invalid signature"}
        event_id = event["id"]
        with self._lock:
            if event_id in self._seen:
                self.duplicates += 1
                return 200, {"received": True, "duplicate": True}
            self._seen[event_id] = False
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        try:
            self._handle(event)
        except Exception:
            with self._lock:
                self._seen.pop(event_id, None)   # let the gateway deliver it again
            raise
        with self._lock:
            self._seen[event_id] = True
        return 200, {"received": True}
