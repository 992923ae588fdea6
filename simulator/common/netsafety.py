"""Faults and load only target loopback unless a host is allowed explicitly."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from urllib.parse import urlsplit

from simulator.common.errors import InputError

LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")


def is_loopback_host(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_upstream(url: str, allow_hosts: tuple[str, ...] = (), *, field: str = "--upstream") -> None:
    """Raise InputError for a non-loopback upstream that is not on the allow-list."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"'{url}' is not a URL", field=field, valid="http://HOST:PORT or https://HOST")
    if is_loopback_host(parts.hostname) or parts.hostname in allow_hosts:
        return
    raise InputError(
        f"upstream host '{parts.hostname}' is not loopback; paychaos only targets 127.0.0.1 "
        f"unless you allow the host explicitly with --allow-host {parts.hostname}",
        field=field,
    )


def carries_live_key(text: str) -> bool:
    return any(p in text for p in LIVE_KEY_PREFIXES)


def carries_live_key_in(target: str, authorization: str, body: bytes) -> bool:
    """Whether a request carries a live key: in its path or query, its Authorization header (Basic
    credentials decoded), or the first 64 KiB of its body. The common case (no "_live_" anywhere
    and a Bearer header) costs a few substring checks."""
    head = body[:65536]
    if b"_live_" in head and carries_live_key(head.decode("utf-8", "replace")):
        return True
    if "_live_" in target and carries_live_key(target):
        return True
    return bool(authorization) and carries_live_key(authorization_text(authorization))


def authorization_text(header: str) -> str:
    """The Authorization header as text to search for keys: Basic credentials (Stripe accepts the key
    as the Basic user name, as `curl -u sk_...:` sends it) are decoded, anything else is kept as is."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return header
    try:
        return header + " " + base64.b64decode(value.strip(), validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return header


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS just handed out (bind port 0, read it back, close).

    Only for processes whose command line needs a port up front (a merchant's `{port}`);
    servers of our own bind port 0 themselves and announce the real port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
