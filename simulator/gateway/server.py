"""Run the Stripe gateway: its options, then the start-up every gateway shares (paychaos.gateway.serving)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from paychaos.common.catalogue import SeedPrice
from paychaos.common.errors import InputError
from paychaos.gateway.app import Gateway
from paychaos.gateway.resources.events import new_endpoint
from paychaos.gateway.serving import serve as serve_gateway
from paychaos.gateway.webhooks import WebhookDispatcher

DEFAULT_WEBHOOK_SECRET = "whsec_paychaos_test"


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 0
    webhook_url: str | None = None
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    seed: int | None = None
    processing_delay_ms: int = 0
    webhook_max_attempts: int = 5
    webhook_retry_base_ms: int = 200
    webhook_timeout_s: float = 5.0
    allow_webhook_hosts: tuple[str, ...] = ()
    sim_token: str | None = None     # None: a fresh random one (printed in the ready line)
    catalogue: tuple[SeedPrice, ...] = ()   # Products and Prices held from the start and after every reset


async def serve(opts: Options, stop: asyncio.Event | None = None) -> None:
    hooks = WebhookDispatcher(max_attempts=opts.webhook_max_attempts, retry_base_ms=opts.webhook_retry_base_ms,
                              timeout_s=opts.webhook_timeout_s, allow_hosts=opts.allow_webhook_hosts)
    gw = Gateway(seed=opts.seed, processing_delay_ms=opts.processing_delay_ms, webhooks=hooks,
                 sim_token=opts.sim_token, catalogue=opts.catalogue)
    if opts.webhook_url:
        refusal = hooks.url_refusal(opts.webhook_url)
        if refusal is not None:
            raise InputError(f"'{opts.webhook_url}': {refusal}", field="--webhook-url",
                             valid="http://127.0.0.1:PORT/PATH, or a host given with --allow-webhook-host")
        new_endpoint(gw, opts.webhook_url, ["*"], opts.webhook_secret)
    await serve_gateway(gw, host=opts.host, port=opts.port, sender=hooks, stop=stop,
                        ready=lambda: {"url": gw.base_url, "token": gw.sim_token})


def run(opts: Options) -> int:
    asyncio.run(serve(opts))
    return 0
