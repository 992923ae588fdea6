"""Endpoints as data: method, path template, parameter spec, handler. Matching is a dict walk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from paychaos.gateway.params import Param


@dataclass
class Call:
    """One API call as a handler sees it."""

    params: dict
    args: tuple[str, ...]
    request_id: str
    idempotency_key: str | None = None
    base_url: str = ""
    publishable: bool = False  # authenticated with a pk_test_ key (a browser's call, stripe.js)
    checkout_url: str = ""     # where session pages live when not under base_url: forward mode's
                               # https://checkout.stripe.com/c/pay (checkout_sessions.page_base)


@dataclass
class Route:
    method: str
    template: str
    spec: dict[str, Param]
    handler: Callable
    slow: bool = False  # processing delay (`--processing-delay-ms`) applies: money-moving calls
    browser: bool = False  # a publishable key may call it (what stripe.js calls from the page)
    name: str = field(init=False)

    def __post_init__(self):
        self.name = f"{self.method} {self.template}"


class Router:
    def __init__(self, routes: list[Route]):
        self._tree: dict = {}
        for route in routes:
            node = self._tree
            for part in route.template.strip("/").split("/"):
                node = node.setdefault("*" if part.startswith("{") else part, {})
            node.setdefault("", {})[route.method] = route

    def match(self, method: str, path: str) -> tuple[Route | None, tuple[str, ...], bool]:
        """(route, path args, path_exists). path_exists without route means a wrong method."""
        node = self._tree
        args: list[str] = []
        for part in path.strip("/").split("/"):
            nxt = node.get(part)
            if nxt is None:
                nxt = node.get("*")
                if nxt is None or not part:
                    return None, (), False
                args.append(part)
            node = nxt
        leaf = node.get("")
        if leaf is None:
            return None, (), False
        return leaf.get(method), tuple(args), True
