"""The per-run token that locks the local control surfaces: the gateway's `/_sim` and the proxy's
`/_paychaos` control API (docs/ARCHITECTURE.md, "Guarantees").

Loopback Host/Origin checks keep web pages out; they do not keep out another user of the same
machine, who reaches 127.0.0.1 too, nor a page that got past the Host check. So each service also
wants a secret: `--sim-token` / `--control-token`, else the `PAYCHAOS_TOKEN` environment variable,
else a fresh `secrets.token_urlsafe(32)`. The service prints it in its PAYCHAOS_READY line (its own
stdout: a pipe only the starting process reads), and every request must carry it in the
`X-Paychaos-Token` header, compared in constant time.

The environment variable is the better way to choose one: a command line is readable by every user
of the machine (`ps`, /proc/PID/cmdline), a process's environment only by its owner.

`remember(info)` / `token_for(url)`: `procs.start_service` records the token of each service it
started by its listeners' addresses, so a test helper that is given only a URL (`get_ledger(url)`,
`set_rules(control_url, ...)`) finds the token by itself.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from urllib.parse import urlsplit

from paychaos.common.errors import InputError

HEADER = "X-Paychaos-Token"
ENV = "PAYCHAOS_TOKEN"
MIN_LENGTH = 16     # a token shorter than this can be guessed through the loopback port
MAX_LENGTH = 256
VALID = f"{MIN_LENGTH}..{MAX_LENGTH} characters A-Z a-z 0-9 - _ . ~ (e.g. from `python -c \"import secrets; " \
        "print(secrets.token_urlsafe())\"`)"
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

_known: dict[tuple[str, int], str] = {}   # (host, port) of a listener -> its service's token
_known_lock = threading.Lock()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check_token(value: str, *, field: str) -> str:
    """The token as given, or InputError naming `field` (the flag or the environment variable)."""
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH or not set(value) <= _ALPHABET:
        shown = f"{len(value)} characters" if len(value) > 40 or set(value) - _ALPHABET else repr(value)
        raise InputError(f"not a usable token ({shown})", field=field, valid=VALID)
    return value


def choose_token(flag_value: str | None, *, flag: str, environ=None) -> str:
    """The token a service uses: its flag, else $PAYCHAOS_TOKEN (when set and not empty), else a new one."""
    if flag_value is not None:
        return check_token(flag_value, field=flag)
    env_value = (os.environ if environ is None else environ).get(ENV)
    if env_value:
        return check_token(env_value, field=ENV)
    return new_token()


def matches(given: str | None, expected: str) -> bool:
    """Whether the header value is the token (constant time; a missing or non-ASCII header is not)."""
    if given is None or not expected:
        return False
    try:
        return hmac.compare_digest(given.encode("ascii"), expected.encode("ascii"))
    except UnicodeEncodeError:
        return False


def refusal(given: str | None, expected: str, surface: str) -> tuple[int, str] | None:
    """None when `given` is the token; else (401, message) for a missing header, (403, message) for a
    wrong one. `surface` names what refuses, e.g. "/_sim" or "the control API"."""
    if given is None or not given.strip():
        return 401, (f"{surface} needs the header {HEADER}: this run's token, printed in the service's "
                     f"PAYCHAOS_READY line (\"token\") and by `paychaos up`")
    if not matches(given.strip(), expected):
        return 403, f"the {HEADER} header does not hold this run's token, so {surface} refused the request"
    return None


def headers(token: str | None) -> dict[str, str]:
    """The header dict that carries a token (empty for no token)."""
    return {HEADER: token} if token else {}


# -- a URL's token, for helpers given only a URL -----------------------------------------------

def _address(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host in ("localhost", "::1") or host.startswith("127."):
        host = "127.0.0.1"
    return (host, port) if host else None


def _urls(info: dict) -> list[str]:
    urls = [info.get("url"), info.get("control"), info.get("forward")]
    urls += list((info.get("listeners") or {}).values())
    return [u for u in urls if isinstance(u, str)]


def remember(info: dict) -> None:
    """Record the token of a service's ready line under each of its listeners' addresses."""
    token = info.get("token")
    if not isinstance(token, str) or not token:
        return
    with _known_lock:
        for url in _urls(info):
            address = _address(url)
            if address:
                _known[address] = token


def forget(info: dict) -> None:
    """Forget what `remember(info)` recorded (the addresses may be reused by the next service)."""
    token = info.get("token")
    if not token:
        return
    with _known_lock:
        for url in _urls(info):
            address = _address(url)
            if address and _known.get(address) == token:
                del _known[address]


def token_for(url: str) -> str | None:
    """The token of the service this process started that listens at `url`'s address, if any."""
    address = _address(url)
    with _known_lock:
        return _known.get(address) if address else None
