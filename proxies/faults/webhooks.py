"""Faults on the gateway -> merchant leg (the `webhooks` upstream): late, doubled, swapped, lost, forged."""

from __future__ import annotations

import base64
import json
import string
import time
from dataclasses import dataclass
from typing import Literal

from paychaos.common.stripe_signature import sign
from paychaos.proxies.faults.base import Exchange, Fault, param, register


@register
@dataclass(frozen=True)
class WebhookDelay(Fault):
    """Hold a webhook delivery for delay_ms before it reaches the merchant."""

    name = "webhook_delay"
    leg = "webhooks"
    kinds = ("webhook",)
    delay_ms: float = param(min=0, max=600_000, help="how long the delivery is held")

    async def on_request(self, ex: Exchange) -> None:
        await ex.sleep(self.delay_ms / 1000.0)


@register
@dataclass(frozen=True)
class WebhookDuplicate(Fault):
    """Deliver the event to the merchant again, `copies` more times, each a real delivery."""

    name = "webhook_duplicate"
    leg = "webhooks"
    kinds = ("webhook",)
    copies: int = param(1, min=1, max=20, help="extra deliveries")
    spacing_ms: float = param(0.0, min=0, max=600_000, help="pause between the copies")

    async def on_response(self, ex: Exchange) -> None:
        for i in range(self.copies):
            ex.deliver_again(delay_s=(i + 1) * self.spacing_ms / 1000.0)


@register
@dataclass(frozen=True)
class WebhookReorder(Fault):
    """Acknowledge the delivery to the gateway at once, deliver it after the next one (or hold_ms)."""

    name = "webhook_reorder"
    leg = "webhooks"
    kinds = ("webhook",)
    hold_ms: float = param(2000.0, min=0, max=600_000, help="longest hold when no other event follows")

    async def on_request(self, ex: Exchange) -> None:
        ex.deliver_after_next(self.hold_ms / 1000.0)


@register
@dataclass(frozen=True)
class WebhookDrop(Fault):
    """Acknowledge the delivery to the gateway (200) and never pass it to the merchant."""

    name = "webhook_drop"
    leg = "webhooks"
    kinds = ("webhook",)

    async def on_request(self, ex: Exchange) -> None:
        ex.respond(200, {"received": True, "paychaos": "webhook_drop"}, {"Content-Type": "application/json"})


FORGED_SECRET = "whsec_forged_by_paychaos"   # what a bad_signature forgery is signed with (never the endpoint's)
_ID_CHARS = string.ascii_letters + string.digits
# What a forged event of this type claims about its object (the rest of the object is the original's).
_CLAIMS: dict[str, dict] = {
    "payment_intent.succeeded": {"status": "succeeded", "last_payment_error": None},
    "payment_intent.payment_failed": {"status": "requires_payment_method"},
    "payment_intent.canceled": {"status": "canceled"},
    "charge.succeeded": {"status": "succeeded", "paid": True, "captured": True},
    "charge.refunded": {"refunded": True},
}


@register
@dataclass(frozen=True)
class WebhookForge(Fault):
    """After the delivery, send the merchant a forged event (new id) that fails signature verification."""

    name = "webhook_forge"
    leg = "webhooks"
    kinds = ("webhook",)
    mode: Literal["bad_signature", "unsigned", "tampered"] = param(
        "bad_signature", help="bad_signature: signed with a wrong secret; unsigned: no Stripe-Signature; "
        "tampered: the original's signature on a changed payload")
    event_type: str = param("payment_intent.succeeded", help="type the forged event claims")
    delay_ms: float = param(0.0, min=0, max=600_000, help="pause after the genuine delivery")

    def check(self) -> str | None:
        if "." not in self.event_type.strip("."):
            return f"event_type {self.event_type!r} is not a Stripe event type (e.g. payment_intent.succeeded)"
        return None

    async def on_response(self, ex: Exchange) -> None:
        try:
            event = json.loads(ex.request_body())
        except ValueError:
            return
        if isinstance(event, dict) and event.get("resource_type") == "encrypt-resource":
            self._forge_wechatpay(ex, event)
            return
        if not isinstance(event, dict) or event.get("object") != "event":
            return  # not a Stripe event: nothing to forge from
        forged = forge_event(event, self.event_type, "evt_" + "".join(ex.rng.choices(_ID_CHARS, k=24)))
        payload = json.dumps(forged, separators=(",", ":"))
        if self.mode == "bad_signature":
            signature: str | None = sign(payload, FORGED_SECRET)
        elif self.mode == "tampered":
            signature = ex.request_header("Stripe-Signature")
        else:
            signature = None
        ex.deliver_forged(payload.encode(), signature, mode=self.mode, delay_s=self.delay_ms / 1000.0)


    def _forge_wechatpay(self, ex: Exchange, notice: dict) -> None:
        """A WeChat Pay notification: the same encrypted resource under a new id (the proxy holds no
        APIv3 key, so it cannot make up a transaction), signed with made-up bytes (bad_signature),
        without Wechatpay-Signature (unsigned), or changed under the genuine signature (tampered)."""
        forged = dict(notice, id="".join(ex.rng.choices(_ID_CHARS, k=32)))
        if self.mode == "tampered":
            forged["summary"] = f"{notice.get('summary', '')} (paychaos tampered)"
        payload = json.dumps(forged, ensure_ascii=False, separators=(",", ":")).encode()
        headers: dict[str, str | None]
        if self.mode == "bad_signature":
            made_up = bytes(ex.rng.getrandbits(8) for _ in range(256))
            headers = {"Wechatpay-Signature": base64.b64encode(made_up).decode()}
        elif self.mode == "unsigned":
            headers = {"Wechatpay-Signature": None, "Wechatpay-Signature-Type": None}
        else:
            headers = {}
        ex.deliver_forged(payload, None, mode=self.mode, delay_s=self.delay_ms / 1000.0, headers=headers)


def forge_event(event: dict, event_type: str, event_id: str) -> dict:
    """A copy of a genuine event under a new id that claims `event_type` for the same object."""
    forged = json.loads(json.dumps(event))
    forged.update(id=event_id, type=event_type, created=int(time.time()))
    data = forged.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if isinstance(obj, dict):
        data.pop("previous_attributes", None)
        obj.update(_CLAIMS.get(event_type, {}))
        if event_type == "payment_intent.succeeded" and "amount" in obj:
            obj["amount_received"] = obj["amount"]
        if event_type == "charge.refunded" and "amount" in obj:
            obj["amount_refunded"] = obj["amount"]
    return forged


