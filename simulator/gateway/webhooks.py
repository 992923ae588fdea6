"""Webhook endpoints and delivery: events signed exactly as Stripe signs them, sent from a
background queue by a few worker tasks, retried with exponential backoff on non-2xx or timeout.

The API never waits for a delivery; `/_sim/ledger` shows delivered / failed_attempts / pending.
Endpoint URLs must name a loopback host (127.0.0.0/8, ::1, localhost) or a host allowed with
`--allow-webhook-host`: checked where a URL comes in (`url_refusal`) and again before each attempt,
so the gateway never connects to a refused URL.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from paychaos.common.netsafety import is_loopback_host
from paychaos.common.stripe_signature import sign
from paychaos.gateway.delivery import DeliveryQueue
from paychaos.gateway.store import Collection

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def url_refusal(url: str, allow_hosts: frozenset[str] = frozenset()) -> str | None:
    """Why the gateway will not deliver to `url`, or None when it will: http(s), no credentials,
    and a loopback host or one of `allow_hosts`. Checked with both URL parsers in play (urllib's
    and yarl's, which aiohttp connects with) so that no URL reads as loopback to one and not the other."""
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return "expected an http(s) URL"
    if len(url) > 2048 or any(c.isspace() or c in "\\@" for c in url.partition("://")[2].partition("/")[0]):
        return "expected an http(s) URL without credentials, spaces or backslashes in its host part"
    try:
        hosts = {urlsplit(url).hostname or "", (URL(url).host or "").lower()}
        URL(url).port  # noqa: B018 - a bad port raises here
        urlsplit(url).port  # noqa: B018
    except ValueError:
        return "expected an http(s) URL with a valid host and port"
    if len(hosts) != 1 or "" in hosts:
        return "expected an http(s) URL with a valid host"
    host = hosts.pop()
    if is_loopback_host(host) or host in allow_hosts:
        return None
    return (f"host '{host}' is not loopback; the gateway only delivers webhooks to 127.0.0.1, ::1 or "
            f"localhost unless started with --allow-webhook-host {host}")


@dataclass
class Delivery:
    endpoint_id: str
    event: dict
    attempt: int = 1


class WebhookDispatcher(DeliveryQueue):
    def __init__(self, *, max_attempts: int = 5, retry_base_ms: int = 200, timeout_s: float = 5.0,
                 workers: int = 16, allow_hosts: tuple[str, ...] = ()):
        super().__init__(timeout_s=timeout_s, workers=workers)
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.max_attempts = max_attempts
        self.retry_base_ms = retry_base_ms
        self.endpoints = Collection()  # survives /_sim/reset, as the webhook config should
        self.secrets: dict[str, str] = {}
        self.reset_counts()

    def reset_counts(self) -> None:
        self._new_generation()

    def attach(self, store) -> None:
        store.on_event = self._on_event

    # -- endpoints -------------------------------------------------------------------------

    def url_refusal(self, url: str) -> str | None:
        return url_refusal(url, self.allow_hosts)

    def add_endpoint(self, endpoint: dict, secret: str) -> dict:
        self.endpoints.add(endpoint)
        self.secrets[endpoint["id"]] = secret
        return endpoint

    def remove_endpoint(self, ident: str) -> None:
        self.endpoints.remove(ident)
        self.secrets.pop(ident, None)

    def _targets(self, event_type: str):
        for ep in self.endpoints.values():
            if ep["status"] == "enabled" and ("*" in ep["enabled_events"] or event_type in ep["enabled_events"]):
                yield ep

    # -- delivery --------------------------------------------------------------------------

    def _on_event(self, event: dict) -> None:
        if not self.endpoints.by_id or self._queue is None:
            return
        for ep in self._targets(event["type"]):
            event["pending_webhooks"] += 1
            self.pending += 1
            self._queue.put_nowait((self._generation, Delivery(ep["id"], event)))

    async def _deliver(self, d: Delivery) -> None:
        ep = self.endpoints.get(d.endpoint_id)
        if ep is None:
            self.pending -= 1
            return
        payload = json.dumps(d.event, separators=(",", ":"))
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   "Stripe-Signature": sign(payload, self.secrets[ep["id"]])}
        status, error = None, None
        started = time.time()
        refused = self.url_refusal(ep["url"])
        if refused is not None:  # never reached through the API, which refuses such URLs: a last guard
            error = f"refused: {refused}"
        else:
            status, error = await self._post(ep["url"], payload, headers)
        ok = status is not None and 200 <= status < 300
        self.log.append({"event": d.event["id"], "type": d.event["type"], "endpoint": ep["id"], "url": ep["url"],
                         "attempt": d.attempt, "status": status, "error": error, "ok": ok,
                         "t_start": started, "t_end": time.time()})
        if ok:
            self.delivered += 1
            self._settle(d)
            return
        self.failed_attempts += 1
        if d.attempt >= self.max_attempts:
            self.gave_up += 1
            self._settle(d)
            return
        delay = self.retry_base_ms / 1000 * 2 ** (d.attempt - 1)
        self._schedule(delay, Delivery(d.endpoint_id, d.event, d.attempt + 1))

    async def _post(self, url: str, payload: str, headers: dict) -> tuple[int | None, str | None]:
        try:
            async with self._session.post(url, data=payload.encode(), headers=headers) as resp:
                await resp.read()
                return resp.status, None
        except TimeoutError:
            return None, "timeout"
        except aiohttp.ClientError as exc:
            return None, type(exc).__name__

    def _settle(self, d: Delivery) -> None:
        self.pending -= 1
        d.event["pending_webhooks"] = max(0, d.event["pending_webhooks"] - 1)
