"""Faults and load only target loopback unless a host is allowed explicitly."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

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
    """Whether the text holds a live key as it is (no decoding)."""
    return "_live_" in text and any(p in text for p in LIVE_KEY_PREFIXES)


# A percent-encoded live key has one of the characters of "_live_" encoded (or `%` itself, encoded twice).
# One scan for the pre-check: "_live_" itself, a JSON escape, or a percent-encoded character of it.
_MAY_HIDE = re.compile(r"_live_|\\u|%(?:5[fF]|6[cC]|69|76|65|25)")
_MAY_HIDE_B = re.compile(_MAY_HIDE.pattern.encode())
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_DECODE_ROUNDS = 4  # percent-encoding inside percent-encoding inside a JSON escape...


def may_hide_live_key(text: str) -> bool:
    """The cheap pre-check: whether the text could hold a live key, plain or encoded."""
    return _MAY_HIDE.search(text) is not None


def carries_live_key_decoded(text: str) -> bool:
    """Whether the text holds a live key as it is, percent-decoded (repeatedly) or JSON-unescaped."""
    if not may_hide_live_key(text):
        return False
    for _ in range(_DECODE_ROUNDS):
        if carries_live_key(text):
            return True
        decoded = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "\\u" in text else text
        decoded = unquote(decoded) if "%" in decoded else decoded
        if decoded == text:
            return False
        text = decoded
    return carries_live_key(text)


def carries_live_key_in(target: str, headers: Iterable[tuple[bytes, bytes]], body: bytes) -> bool:
    """Whether a request carries a live key anywhere a key could be read: its path or query, any
    header (every Authorization header, Basic credentials decoded, whatever the spacing or case of
    the scheme), or its body; plain, percent-encoded or JSON-escaped. The common case (no "_live_",
    no encoded letter of it, a Bearer header) costs a few substring checks."""
    if _MAY_HIDE_B.search(body) and carries_live_key_decoded(body.decode("utf-8", "replace")):
        return True
    if carries_live_key_decoded(target):
        return True
    for name, value in headers:
        low = name.lower()
        if low in (b"authorization", b"proxy-authorization"):
            if carries_live_key_decoded(authorization_text(value.decode("utf-8", "replace"))):
                return True
        elif _MAY_HIDE_B.search(value) and carries_live_key_decoded(value.decode("utf-8", "replace")):
            return True
    return False


def authorization_text(header: str) -> str:
    """The Authorization header as text to search for keys: Basic credentials (Stripe accepts the key
    as the Basic user name, as `curl -u sk_...:` sends it) are decoded, in the standard and the
    URL-safe alphabet, padding or not, after any whitespace (`Basic<TAB>...`); the header itself is
    kept too."""
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "basic":
        return header
    value = "".join(parts[1].split())
    value += "=" * (-len(value) % 4)
    decoded = [header]
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            decoded.append(decode(value).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return " ".join(decoded)


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS just handed out (bind port 0, read it back, close).

    Only for processes whose command line needs a port up front (a merchant's `{port}`);
    servers of our own bind port 0 themselves and announce the real port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
