"""Where a reference merchant finds its gateway: flags first, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from paychaos.common.errors import InputError
from paychaos.common.netsafety import carries_live_key

DEFAULT_API_KEY = "sk_test_paychaos"


@dataclass(frozen=True)
class MerchantConfig:
    gateway_url: str
    backup_gateway_url: str | None
    webhook_secret: str | None
    api_key: str = DEFAULT_API_KEY
    host: str = "127.0.0.1"
    port: int = 0


def _url(value: str | None, field: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"'{value}' is not a URL", field=field, valid="http://HOST:PORT or https://HOST")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise InputError(f"'{value}' has a bad port", field=field, valid="http://HOST:PORT") from exc
    return value.rstrip("/")


def load_config(*, gateway_url: str | None = None, backup_gateway_url: str | None = None,
                webhook_secret: str | None = None, api_key: str | None = None,
                host: str = "127.0.0.1", port: int = 0, env: dict | None = None) -> MerchantConfig:
    """Build the config; a flag given here wins over the environment variable."""
    env = os.environ if env is None else env
    primary = _url(gateway_url or env.get("STRIPE_API_BASE"), "--gateway-url / STRIPE_API_BASE")
    if not primary:
        raise InputError("no gateway URL given", field="--gateway-url / STRIPE_API_BASE",
                         valid="http://127.0.0.1:PORT of `paychaos gateway` or of the proxy in front of it")
    backup = _url(backup_gateway_url or env.get("STRIPE_BACKUP_API_BASE"),
                  "--backup-gateway-url / STRIPE_BACKUP_API_BASE")
    key = api_key or env.get("STRIPE_API_KEY") or DEFAULT_API_KEY
    if carries_live_key(key):
        raise InputError("a live secret key was given; the reference merchants only take test keys",
                         field="--api-key / STRIPE_API_KEY", valid="sk_test_...")
    if not 0 <= port <= 65535:
        raise InputError(f"port {port} is out of range", field="--port", valid="0 (any free port) to 65535")
    secret = webhook_secret or env.get("STRIPE_WEBHOOK_SECRET") or None
    return MerchantConfig(primary, backup, secret, key, host, port)
