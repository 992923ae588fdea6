"""A target's two gateways, each in its own dialect (paychaos.common.dialects): how `paychaos run`
(runner/session.py) and `paychaos load` (load/stack.py) start them, fill the dialect placeholders from
their ready lines, and send their notifications through the proxy's webhooks listener.

    argv = gateway_argv(target, "primary")                 # `paychaos gateway [--dialect D] ... --port 0`
    values = dialect_values(target, {"primary": svc, "backup": svc2})
    hook_webhooks(target, gateways, listener, secret)       # POST /_sim/webhooks on each
"""

from __future__ import annotations

import requests

from paychaos.common import dialects, localtoken
from paychaos.common.procs import Service, paychaos_argv
from paychaos.target import Target, gateway_flags

HTTP_TIMEOUT_S = 10.0


def gateway_command(target: Target, upstream: str) -> tuple[str, ...]:
    """The `paychaos` subcommand (and flags) of the fake gateway that speaks this upstream's dialect
    (paychaos.common.dialects); a Stripe gateway also gets the target's catalogue."""
    dialect = target.dialect_of[upstream]
    flags = gateway_flags(target) if dialect == "stripe" else ()
    return (*dialects.DIALECTS[dialect].gateway_argv, *flags)


def gateway_argv(target: Target, upstream: str) -> list[str]:
    """The whole command line that starts this upstream's gateway on a free port."""
    return paychaos_argv(*gateway_command(target, upstream), "--port", "0")


def dialect_values(target: Target, gateways: dict[str, Service | None]) -> dict[str, str | None]:
    """`{alipay.*}` / `{wechatpay.*}` placeholders, from the ready lines of the gateways that speak them."""
    return dialects.values(target.dialect_of, {name: (svc.info if svc is not None else None)
                                               for name, svc in gateways.items()})


def webhook_hook(target: Target, upstream: str, listener: str | None, secret: str) -> dict | None:
    """Where a gateway sends its events (the body of its `POST /_sim/webhooks`): through the proxy's
    webhooks listener, so webhook faults apply. None: nowhere to send them (no listener, or a
    one-endpoint dialect whose target names no `webhook_path`)."""
    if not listener:
        return None
    if dialects.DIALECTS[target.dialect_of[upstream]].notify_own_path:
        return {"url": listener.rstrip("/")}   # the gateway keeps each call's notify_url path
    if target.webhook_path:
        return {"url": listener.rstrip("/") + target.webhook_path, "secret": secret}
    return None


def hook_webhooks(target: Target, gateways: dict[str, Service], listener: str | None, secret: str) -> None:
    """Point each gateway's notifications at the proxy's webhooks listener (webhook_hook)."""
    for upstream, gateway in gateways.items():
        hook = webhook_hook(target, upstream, listener, secret)
        if hook:
            post(gateway, "/_sim/webhooks", hook)


def post(gateway: Service, path: str, body: dict) -> dict:
    """A /_sim call with the gateway's token (its ready line's `token`)."""
    resp = requests.post(gateway.url + path, json=body, headers=localtoken.headers(gateway.info.get("token")),
                         timeout=HTTP_TIMEOUT_S)
    resp.raise_for_status()
    return resp.json() if resp.content else {}
