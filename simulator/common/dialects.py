"""Gateway dialects: which fake gateway speaks the API a shop uses, and what its ready line hands the
shop (docs/reference/target-file.md `dialect:`).

A target file names the dialect of each gateway it talks to: `dialect: alipay` or `dialect: wechatpay`
(both gateways), or `dialect: {primary: stripe, backup: alipay}` (a Stripe shop that falls back to
Alipay). The runner starts each gateway with `gateway_argv`, and fills the dialect's placeholders
(`{alipay.app_id}`, `{wechatpay.mchid}`...) from that gateway's ready line: `placeholders` maps each
placeholder to its ready-line key. When both gateways speak a dialect, its placeholders name the
primary's credentials.

One entry per dialect; a new dialect adds its entry here (and nothing else in target.py or the runner).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dialect:
    name: str
    gateway_argv: tuple[str, ...]                          # `paychaos ...` that starts its fake gateway
    placeholders: dict[str, str] = field(default_factory=dict)   # {placeholder} -> its ready-line key (a.b: nested)
    # Notifications: True when the gateway posts to the path the shop named in each call (Alipay's
    # notify_url), so the runner hands it only the proxy's webhooks listener; False when it posts to one
    # endpoint, the listener plus the target's `webhook_path` (Stripe; WeChat Pay, whose /_sim/webhooks
    # sends every notification there instead of each order's notify_url).
    notify_own_path: bool = False
    currency: str = "usd"           # what a load run's customers pay in (paychaos load)
    doc: str = "docs/gateway.md"


DIALECTS: dict[str, Dialect] = {d.name: d for d in (
    Dialect("stripe", ("gateway",)),
    Dialect("alipay", ("gateway", "--dialect", "alipay"), {
        "alipay.app_id": "app_id",
        "alipay.app_private_key_file": "app_private_key_file",     # the merchant's key (PEM)
        "alipay.app_public_key_file": "app_public_key_file",
        "alipay.alipay_public_key_file": "alipay_public_key_file",  # the platform key the shop verifies with
    }, notify_own_path=True, currency="cny", doc="docs/gateway-alipay.md"),
    Dialect("wechatpay", ("gateway", "--dialect", "wechatpay"), {   # its ready line nests them under `wechatpay`
        "wechatpay.mchid": "wechatpay.mchid",
        "wechatpay.appid": "wechatpay.appid",
        "wechatpay.serial_no": "wechatpay.merchant_serial_no",   # the merchant certificate's serial number
        "wechatpay.private_key_file": "wechatpay.private_key_file",   # the merchant's key (PEM)
        "wechatpay.apiv3_key_file": "wechatpay.apiv3_key_file",
        "wechatpay.cert_dir": "wechatpay.cert_dir",               # the platform certificates the shop verifies with
    }, currency="cny", doc="docs/gateway-wechatpay.md"),
)}
NAMES: tuple[str, ...] = tuple(DIALECTS)
UPSTREAMS = ("primary", "backup")


def placeholders() -> tuple[str, ...]:
    """Every dialect's placeholders, in the order of DIALECTS."""
    return tuple(p for d in DIALECTS.values() for p in d.placeholders)


def owner(placeholder: str) -> Dialect | None:
    """The dialect that fills this placeholder, if any."""
    return next((d for d in DIALECTS.values() if placeholder in d.placeholders), None)


def values(dialect_of: dict[str, str], ready: dict[str, dict | None]) -> dict[str, str | None]:
    """Each dialect's placeholders filled from the ready line of the first gateway (primary, then
    backup) that speaks it; None for dialects no gateway speaks."""
    out: dict[str, str | None] = dict.fromkeys(placeholders())
    for dialect in DIALECTS.values():
        for upstream in UPSTREAMS:
            info = ready.get(upstream)
            if dialect_of.get(upstream) == dialect.name and info:
                out.update({p: _text(_lookup(info, k)) for p, k in dialect.placeholders.items()})
                break
    return out


def _lookup(info: dict, key: str):
    """A ready-line value by its key; `a.b` reads a nested object (`{"wechatpay": {"mchid": ...}}`)."""
    value = info
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value) -> str | None:
    return None if value is None else str(value)
