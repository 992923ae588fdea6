"""Faults at the connection level: nothing answers, the connection resets or just closes."""

from __future__ import annotations

from dataclasses import dataclass

from paychaos.proxies.faults.base import Exchange, Fault, register


@register
@dataclass(frozen=True)
class Refused(Fault):
    """Send the request to a port that refuses connections: the client gets the proxy's 502."""

    name = "refused"

    async def on_request(self, ex: Exchange) -> None:
        ex.refuse()


@register
@dataclass(frozen=True)
class Reset(Fault):
    """Abort the client's connection with a TCP RST before the upstream sees the request."""

    name = "reset"

    async def on_request(self, ex: Exchange) -> None:
        ex.kill(reset=True)


@register
@dataclass(frozen=True)
class Close(Fault):
    """Close the client's connection cleanly (FIN) without an answer: an empty reply."""

    name = "close"

    async def on_request(self, ex: Exchange) -> None:
        ex.kill(reset=False)


@register
@dataclass(frozen=True)
class ResponseLost(Fault):
    """Forward the request (the upstream commits it), then reset the client: answer lost."""

    name = "response_lost"

    async def on_response(self, ex: Exchange) -> None:
        ex.kill(reset=True)
