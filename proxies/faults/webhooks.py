"""Faults on the gateway -> merchant leg (the `webhooks` upstream): late, doubled, swapped, lost."""

from __future__ import annotations

from dataclasses import dataclass

from proxies.faults.base import Exchange, Fault, param, register


@register
@dataclass(frozen=True)
class WebhookDelay(Fault):
    """Hold a webhook delivery for delay_ms before it reaches the merchant."""

    name = "webhook_delay"
    leg = "webhooks"
    delay_ms: float = param(min=0, max=600_000, help="how long the delivery is held")

    async def on_request(self, ex: Exchange) -> None:
        await ex.sleep(self.delay_ms / 1000.0)


@register
@dataclass(frozen=True)
class WebhookDuplicate(Fault):
    """Deliver the event to the merchant again, `copies` more times, each a real delivery."""

    name = "webhook_duplicate"
    leg = "webhooks"
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
    hold_ms: float = param(2000.0, min=0, max=600_000, help="longest hold when no other event follows")

    async def on_request(self, ex: Exchange) -> None:
        ex.deliver_after_next(self.hold_ms / 1000.0)


@register
@dataclass(frozen=True)
class WebhookDrop(Fault):
    """Acknowledge the delivery to the gateway (200) and never pass it to the merchant."""

    name = "webhook_drop"
    leg = "webhooks"

    async def on_request(self, ex: Exchange) -> None:
        ex.respond(200, {"received": True, "paychaos": "webhook_drop"}, {"Content-Type": "application/json"})
