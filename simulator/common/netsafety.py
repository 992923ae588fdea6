"""Faults and load only target loopback unless a host is allowed explicitly."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from paychaos.common.errors import InputError, brief

LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")
MAX_URL_CHARS = 2048
VALID_URL = "http://HOST:PORT or https://HOST"


def is_loopback_host(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_upstream(url: str, allow_hosts: tuple[str, ...] = (), *, field: str = "--upstream",
                   base_only: bool = False) -> str:
    """Raise InputError for a malformed URL (parse_http_url) or a non-loopback host that is not on the
    allow-list; return the URL with its scheme and host in lower case."""
    parts = parse_http_url(url, field=field, base_only=base_only)
    if not (is_loopback_host(parts.hostname) or parts.hostname in allow_hosts):
        raise InputError(
            f"upstream host {brief(parts.hostname)} is not loopback; paychaos only targets 127.0.0.1 "
            f"unless you allow the host explicitly with --allow-host {brief(parts.hostname, bare=True)}",
            field=field,
        )
    return urlunsplit(parts)


def parse_http_url(url: str, *, field: str, file: str | None = None, base_only: bool = False) -> SplitResult:
    """An http(s) URL -> its parts, scheme and host in lower case (hosts are case-insensitive, so
    `http://LOCALHOST:1` is `http://localhost:1`). InputError naming the field for: no scheme or host,
    whitespace or control characters, a port that is not 1..65535, credentials (`user:pass@`, never
    echoed), more than MAX_URL_CHARS, and with `base_only` a path, query or fragment."""
    def refuse(problem: str, valid: str = VALID_URL) -> InputError:
        return InputError(problem, file=file, field=field, valid=valid)

    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise refuse(f"{brief(url)} is not a URL", f"{VALID_URL}, at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        has_credentials = parts.username is not None or parts.password is not None
    except ValueError:
        raise refuse(f"{brief(url)} is not a URL") from None
    if has_credentials:
        raise refuse("the URL holds credentials (user:password@); they are never sent or stored",
                     f"{VALID_URL} without user:password@")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise refuse(f"{brief(url)} holds whitespace or control characters")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise refuse(f"{brief(url)} is not an http(s) URL")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or (parts.netloc.endswith(":") and not parts.netloc.endswith("]:")):
        raise refuse(f"{brief(url)} has a bad port", f"{VALID_URL} with a port from 1 to 65535")
    if base_only and (parts.path not in ("", "/") or parts.query or parts.fragment):
        raise refuse(f"{brief(url)} has a path, query or fragment; an upstream is a base URL",
                     "http://HOST:PORT; the request's own path is kept")
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower(),
                          path="" if base_only else parts.path)


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
    """The cheap pre-check: whether the text could hold a live key, plain or encoded (substring checks
    first: each of the pattern's forms holds `_live_`, `\\u` or `%`)."""
    return "_live_" in text or "\\u" in text or ("%" in text and _MAY_HIDE.search(text) is not None)


def _may_hide_live_key_b(data: bytes) -> bool:
    return b"_live_" in data or b"\\u" in data or (b"%" in data and _MAY_HIDE_B.search(data) is not None)


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
    if _may_hide_live_key_b(body) and carries_live_key_decoded(body.decode("utf-8", "replace")):
        return True
    if carries_live_key_decoded(target):
        return True
    headers = tuple(headers)
    values = b"\n".join([value for _, value in headers])
    # All the values at once for the common case: nothing that could hide a key, and no Basic
    # credentials to decode (only then is each header looked at by name).
    if not _may_hide_live_key_b(values) and b"basic" not in values.lower():
        return False
    for name, value in headers:
        low = name.lower()
        if low in (b"authorization", b"proxy-authorization"):
            if carries_live_key_decoded(authorization_text(value.decode("utf-8", "replace"))):
                return True
        elif _may_hide_live_key_b(value) and carries_live_key_decoded(value.decode("utf-8", "replace")):
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
