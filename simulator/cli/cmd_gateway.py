"""`paychaos gateway`: the Stripe-compatible fake gateway (see docs/gateway.md)."""

from __future__ import annotations

import argparse
import ipaddress

from paychaos.cli import argtypes
from paychaos.common import dialects
from paychaos.common.catalogue import load_catalogue
from paychaos.common.errors import InputError
from paychaos.common.localtoken import choose_token
from paychaos.gateway.limits import (
    MAX_PROCESSING_DELAY_MS,
    MAX_WEBHOOK_ATTEMPTS,
    MAX_WEBHOOK_RETRY_BASE_MS,
    MAX_WEBHOOK_TIMEOUT_S,
)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "gateway", help="run the Stripe-compatible fake gateway",
        description="Run the Stripe-compatible fake gateway. Prints a PAYCHAOS_READY line with its URL.")
    p.add_argument("--dialect", choices=dialects.NAMES, default="stripe",
                   help="which gateway to fake: stripe (default), alipay (docs/gateway-alipay.md) or wechatpay "
                        "(docs/gateway-wechatpay.md)")
    p.add_argument("--keys-dir", type=argtypes.writable_dir, default=None, metavar="DIR",
                   help="alipay and wechatpay: write the merchant's files (keys, certificates, app id) to DIR and "
                        "keep them after exit; a later start on DIR reuses those keys, so a shop configured with "
                        "these paths keeps working (default: a temporary folder, removed on exit; the ready "
                        "line names the files either way)")
    p.add_argument("--notify-url", type=argtypes.url, default=None, metavar="URL",
                   help="alipay and wechatpay: deliver every notification to URL (loopback, or a host given with "
                        "--allow-webhook-host) instead of each order's notify_url; for alipay a URL without a "
                        "path keeps each order's notify_url path on that address")
    p.add_argument("--notify-time-scale", type=argtypes.number(0, 1), default=None,
                   help="alipay and wechatpay: factor on the notification retry schedule (Alipay's 4m, 10m, ...: "
                        "default 0.001; WeChat Pay's 15s, 15s, 30s, ...: default 0.01)")
    p.add_argument("--host", default="127.0.0.1", type=argtypes.loopback_host,
                   help="address to bind (loopback only; default 127.0.0.1)")
    p.add_argument("--port", type=argtypes.port, default=0, help="port to bind; 0 (default) picks a free one")
    p.add_argument("--webhook-url", type=argtypes.url, help="deliver every event to this URL (loopback)")
    p.add_argument("--webhook-secret", default=None,
                   help="signing secret for --webhook-url (default whsec_paychaos_test)")
    p.add_argument("--allow-webhook-host", action="append", default=[], metavar="HOST",
                   help="also deliver webhooks to this non-loopback host (repeatable)")
    p.add_argument("--seed", type=argtypes.seed, default=None, help="make ids deterministic")
    p.add_argument("--processing-delay-ms", type=argtypes.whole(0, MAX_PROCESSING_DELAY_MS), default=0,
                   help="hold each money-moving call this long (to test timeouts and in-flight idempotency)")
    p.add_argument("--webhook-max-attempts", type=argtypes.whole(1, MAX_WEBHOOK_ATTEMPTS), default=5,
                   help="delivery attempts per event (default 5)")
    p.add_argument("--webhook-retry-base-ms", type=argtypes.whole(0, MAX_WEBHOOK_RETRY_BASE_MS), default=200,
                   help="first retry delay, doubled on each attempt (default 200)")
    p.add_argument("--webhook-timeout-s", type=argtypes.number(0, MAX_WEBHOOK_TIMEOUT_S, above=True), default=5.0,
                   help="per-attempt timeout (default 5)")
    p.add_argument("--catalogue", metavar="FILE", default=None,
                   help="a YAML file of Products and Prices the gateway holds from its start and after every "
                        "reset (e.g. the Price id a shop's .env names; see docs/gateway.md, Catalogue)")
    p.add_argument("--sim-token", metavar="TOKEN", default=None,
                   help="token every /_sim call must carry in X-Paychaos-Token (default: $PAYCHAOS_TOKEN, "
                        "else a random one; printed in the ready line). Prefer the environment variable: "
                        "other users can read a command line")
    p.set_defaults(func=run)


def _is_ipv6(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


def _allowed_hosts(values: list[str]) -> tuple[str, ...]:
    for host in values:
        bare = host.strip("[]")
        if not host or any(c.isspace() or c in "/@\\?#" for c in host) or (":" in bare and not _is_ipv6(bare)):
            raise InputError(f"'{host}' is not a host name", field="--allow-webhook-host",
                             valid="a host name or address, e.g. hooks.example.com (no scheme, port or path)")
    return tuple(h.lower().strip("[]") for h in values)


def options_from(args: argparse.Namespace):
    from paychaos.gateway.server import DEFAULT_WEBHOOK_SECRET, Options
    from paychaos.gateway.webhooks import url_refusal

    allow = _allowed_hosts(args.allow_webhook_host)
    if args.webhook_url:
        refusal = url_refusal(args.webhook_url, frozenset(allow))
        if refusal is not None:
            raise InputError(f"'{args.webhook_url}': {refusal}", field="--webhook-url",
                             valid="http://127.0.0.1:PORT/PATH, or a host given with --allow-webhook-host")
    elif args.webhook_secret:
        raise InputError("a secret without --webhook-url has nothing to sign for", field="--webhook-secret",
                         valid="use it together with --webhook-url")
    return Options(host=args.host, port=args.port, webhook_url=args.webhook_url,
                   webhook_secret=args.webhook_secret or DEFAULT_WEBHOOK_SECRET, seed=args.seed,
                   processing_delay_ms=args.processing_delay_ms, webhook_max_attempts=args.webhook_max_attempts,
                   webhook_retry_base_ms=args.webhook_retry_base_ms, webhook_timeout_s=args.webhook_timeout_s,
                   allow_webhook_hosts=allow, sim_token=choose_token(args.sim_token, flag="--sim-token"),
                   catalogue=load_catalogue(args.catalogue) if args.catalogue else ())


def notify_url(url: str | None, allow: tuple[str, ...]) -> str | None:
    """--notify-url checked as --webhook-url is: loopback, or a host the user allowed."""
    from paychaos.gateway.webhooks import url_refusal

    if url:
        refusal = url_refusal(url, frozenset(allow))
        if refusal is not None:
            raise InputError(f"'{url}': {refusal}", field="--notify-url",
                             valid="http://127.0.0.1:PORT/PATH, or a host given with --allow-webhook-host")
    return url


def _check_dialect_flags(args: argparse.Namespace) -> None:
    """Flags one kind of gateway has and the other does not: refused, not ignored."""
    if args.dialect == "stripe":
        for flag, value in (("--keys-dir", args.keys_dir), ("--notify-url", args.notify_url)):
            if value is not None:
                raise InputError("is for the Alipay and WeChat Pay fakes (the Stripe one has no key "
                                 "files; it sends its events to --webhook-url)", field=flag,
                                 valid="--dialect alipay or --dialect wechatpay with it, or --webhook-url "
                                       "(and --webhook-secret) for the Stripe fake")
    elif args.webhook_url or args.webhook_secret:
        flag = "--webhook-url" if args.webhook_url else "--webhook-secret"
        raise InputError(f"is the Stripe fake's; the {args.dialect} fake signs its notifications with "
                         "its own keys", field=flag, valid="--notify-url URL with --dialect alipay or wechatpay")


def run(args: argparse.Namespace) -> int:
    _check_dialect_flags(args)
    if args.dialect == "alipay":
        from paychaos.gateway.alipay.server import Options as AlipayOptions
        from paychaos.gateway.alipay.server import run as serve_alipay

        allow = _allowed_hosts(args.allow_webhook_host)
        return serve_alipay(AlipayOptions(
            host=args.host, port=args.port, seed=args.seed, keys_dir=args.keys_dir,
            notify_url=notify_url(args.notify_url, allow),
            notify_time_scale=0.001 if args.notify_time_scale is None else args.notify_time_scale,
            notify_timeout_s=args.webhook_timeout_s, allow_webhook_hosts=allow,
            sim_token=choose_token(args.sim_token, flag="--sim-token")))
    if args.dialect == "wechatpay":   # `paychaos gateway-wechatpay` takes the same as its own spelling
        from paychaos.gateway.wechatpay.server import Options as WeChatPayOptions
        from paychaos.gateway.wechatpay.server import run as serve_wechatpay

        allow = _allowed_hosts(args.allow_webhook_host)
        return serve_wechatpay(WeChatPayOptions(
            host=args.host, port=args.port, keys_dir=args.keys_dir, notify_url=notify_url(args.notify_url, allow),
            notify_scale=0.01 if args.notify_time_scale is None else args.notify_time_scale,
            notify_timeout_s=args.webhook_timeout_s, allow_webhook_hosts=allow,
            sim_token=choose_token(args.sim_token, flag="--sim-token")))
    from paychaos.gateway.server import run as serve

    return serve(options_from(args))
