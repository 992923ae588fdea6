"""argparse types for every paychaos flag: each check exists once, here.

A type function turns the flag's text into its value or raises ArgumentTypeError with the problem
and the valid forms; argparse then prints `paychaos CMD: error: argument --FLAG: PROBLEM (valid: ...)`
and exits 2, before anything starts. Numbers are range-checked and finite (no `nan`, no `inf`); paths
are checked by doing what the command will do (create the directory, write a file in it) and undoing
it, so `--report-dir /proc/x` fails now rather than after the run.

The caps, and why, are in docs/reference/scenario-file.md ("Bounds").
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from paychaos.common.errors import InputError, brief
from paychaos.common.netsafety import is_loopback_host, parse_http_url
from paychaos.common.strict_yaml import INT64_MAX

MAX_PATH_CHARS = 4096
_WHOLE = re.compile(r"^\s*[+-]?[0-9]{1,20}\s*$", re.ASCII)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$")


def _refuse(problem: str, valid: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"{problem} (valid: {valid})")


def whole(lo: int, hi: int, *, what: str = "a whole number") -> Callable[[str], int]:
    """A whole number from lo to hi (decimal digits only: no `1e3`, no `0x10`)."""
    valid = f"{what} from {lo} to {hi}"

    def parse(text: str) -> int:
        if not _WHOLE.match(text):
            raise _refuse(f"{brief(text)} is not a whole number", valid)
        value = int(text)
        if not lo <= value <= hi:
            raise _refuse(f"{value} is out of range", valid)
        return value

    parse.__name__ = "whole number"
    return parse


def number(lo: float, hi: float, *, above: bool = False, unit: str = "") -> Callable[[str], float]:
    """A finite number from lo (or above lo, with `above`) to hi."""
    suffix = f" {unit}" if unit else ""
    valid = f"a number above {lo:g} and at most {hi:g}{suffix}" if above else f"a number from {lo:g} to {hi:g}{suffix}"

    def parse(text: str) -> float:
        try:
            value = float(text) if len(text) <= 64 else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise _refuse(f"{brief(text)} is not a finite number", valid)
        if value > hi or value < lo or (above and value <= lo):
            raise _refuse(f"{brief(text)} is out of range", valid)
        return value

    parse.__name__ = "number"
    return parse


port = whole(0, 65535, what="a port")                 # 0: the OS picks a free one (bind port 0)
fixed_port = whole(1, 65535, what="a port")
seed = whole(0, INT64_MAX, what="a seed")
score = number(0, 100)


def optional_port(text: str) -> int | None:
    """A port, or nothing when the text is empty (an unanswered prompt)."""
    return fixed_port(text) if text.strip() else None


def shard(text: str) -> str:
    """`K/N`, 1 <= K <= N (whether part K holds any scenario is known once the suite is loaded)."""
    from paychaos.scenario.shard import VALID, parse_shard

    try:
        parse_shard(text)
    except InputError as exc:
        raise _refuse(exc.detail, VALID) from None
    return text


def _path_text(text: str) -> str:
    if not text or "\x00" in text or len(text) > MAX_PATH_CHARS:
        raise _refuse(f"{brief(text)} is not a usable path", f"a path of 1 to {MAX_PATH_CHARS} characters")
    return text


def writable_dir(text: str) -> str:
    """A directory the command can create (when missing) and write a file into; nothing is left behind."""
    path = Path(_path_text(text))
    valid = "a writable directory, created when missing"
    made: list[Path] = []
    try:
        if path.exists() and not path.is_dir():
            raise _refuse(f"{brief(text)} exists and is not a directory", valid)
        missing, todo = path, []
        while not missing.exists() and missing != missing.parent:
            todo.append(missing)
            missing = missing.parent
        for directory in reversed(todo):
            directory.mkdir()
            made.append(directory)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".paychaos-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _refuse(f"cannot write to {brief(text)}: {exc.strerror or exc}", valid) from None
    finally:
        for directory in reversed(made):
            try:
                directory.rmdir()
            except OSError:
                pass
    return text


def writable_file(text: str) -> str:
    """A file the command can append to (its directory created when missing); not created here."""
    path = Path(_path_text(text))
    valid = "a file path in a writable directory"
    if path.is_dir() or text.endswith(("/", os.sep)):
        raise _refuse(f"{brief(text)} is a directory", valid)
    writable_dir(str(path.parent))
    if path.exists():
        try:
            if not (path.is_file() or path.is_char_device()):   # /dev/null discards, /dev/full fails every write
                raise _refuse(f"{brief(text)} is not a regular file nor a device to write to", valid)
            with open(path, "ab"):
                pass
        except OSError as exc:
            raise _refuse(f"cannot write to {brief(text)}: {exc.strerror or exc}", valid) from None
    return text


def host(text: str) -> str:
    """An IP address (IPv6 with or without brackets) or a host name (RFC 1123 labels)."""
    try:
        ipaddress.ip_address(text.strip("[]"))
        return text
    except ValueError:
        pass
    if not _HOSTNAME.match(text):
        raise _refuse(f"{brief(text)} is not a host name or address", "an IP address such as 127.0.0.1, or a host name")
    return text


def loopback_host(text: str) -> str:
    """A host to bind that is loopback: paychaos's own services never listen beyond this machine."""
    if not is_loopback_host(host(text).lower()):
        raise _refuse(f"{brief(text)} is not a loopback address; paychaos's services bind loopback only",
                      "127.0.0.1, ::1, localhost")
    return text.strip("[]")


def loopback_ipv4_host(text: str) -> str:
    """A loopback host for a server that listens on IPv4 only (the reference merchants)."""
    if loopback_host(text).lower() != "localhost" and ":" in text:
        raise _refuse(f"{brief(text)} is IPv6; this server listens on IPv4 only", "127.0.0.1, localhost")
    return text


def url(text: str) -> str:
    """An http(s) URL with a valid port and no credentials; scheme and host in lower case."""
    try:
        parts = parse_http_url(text, field="")
    except InputError as exc:
        raise _refuse(exc.detail, exc.valid or "http://HOST:PORT") from None
    return parts.geturl()


def upstream(text: str) -> str:
    """`URL` or `NAME=URL` with URL a base URL (no path, port 1..65535, no credentials), normalised.
    The name and whether the host is loopback (or allowed by --allow-host) are checked by
    paychaos.proxies.server.parse_upstreams, with the other flags."""
    name, sep, rest = text.partition("=")
    if not sep or "://" in name:
        name, rest = "", text
    try:
        parts = parse_http_url(rest, field="", base_only=True)
    except InputError as exc:
        raise _refuse(exc.detail, exc.valid or "http://HOST:PORT") from None
    return f"{name}={parts.geturl()}" if name else parts.geturl()
