"""Webhook intake for the resilient merchant: verify Stripe's signature (stripe.Webhook), handle each
event id once (gateways deliver duplicates and out of order), and answer fast."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

import stripe

from paychaos.merchants.server import Request

log = logging.getLogger("paychaos.merchant.webhooks")


class WebhookInbox:
    def __init__(self, secret: str | None, handle: Callable[[stripe.Event], None], remember: int = 200_000):
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
        try:
            event = stripe.Webhook.construct_event(req.body.decode("utf-8"), req.headers.get("stripe-signature", ""),
                                                   self.secret)
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError):
            with self._lock:
                self.rejected += 1
            log.warning("webhook rejected: bad or missing signature")
            return 400, {"error": "invalid signature"}
        with self._lock:
            if event.id in self._seen:
                self.duplicates += 1
                return 200, {"received": True, "duplicate": True}
            self._seen[event.id] = False
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        try:
            self._handle(event)
        except Exception:
            with self._lock:
                self._seen.pop(event.id, None)   # let the gateway deliver it again
            raise
        with self._lock:
            self._seen[event.id] = True
        return 200, {"received": True}
