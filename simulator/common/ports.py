"""Ports for processes whose command line needs one up front (a merchant's `{port}`, a Locust master).

Servers of our own bind port 0 themselves and announce the real port. A merchant cannot: it is given a
port, and the runner restarts it on that port before every scenario. A port the OS handed out (bind 0,
read back, close) lies in the ephemeral range, which every outgoing connection and every port-0 bind on
the machine draws from: between two restarts, anything may take it, and the merchant then cannot start
again for the rest of the run (seen in CI, with many tests starting servers side by side). So the port is
chosen at random *below* the ephemeral range, where the OS never hands out ports of its own, and checked
free now.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
RESERVED_PORTS = Path("/proc/sys/net/ipv4/ip_local_reserved_ports")
LOWEST = 20000          # above the ports services commonly listen on
MIN_SPAN = 1000         # fewer candidates than this: fall back to an OS-chosen port
ATTEMPTS = 64

_random = random.SystemRandom()


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now on `host`, outside the ephemeral range when the OS says where that is."""
    low, high = candidate_range()
    if high - low + 1 >= MIN_SPAN:
        reserved = reserved_ports()
        for _ in range(ATTEMPTS):
            port = _random.randint(low, high)
            if port not in reserved and _bindable(host, port):
                return port
    return _os_port(host)


def candidate_range(ephemeral_text: str | None = None) -> tuple[int, int]:
    """[LOWEST, first ephemeral port - 1]; empty (high < low) when the OS's range starts lower."""
    text = ephemeral_text if ephemeral_text is not None else _read(EPHEMERAL_RANGE)
    try:
        first = int(text.split()[0])
    except (IndexError, ValueError):
        first = 32768   # Linux's default, and what other systems' ranges start above
    return LOWEST, first - 1


def reserved_ports(text: str | None = None) -> set[int]:
    """The ports named in ip_local_reserved_ports ("8080,9000-9010")."""
    text = text if text is not None else _read(RESERVED_PORTS)
    ports: set[int] = set()
    for part in text.replace("\n", ",").split(","):
        lo, _, hi = part.strip().partition("-")
        if lo.isdigit():
            ports.update(range(int(lo), int(hi if hi.isdigit() else lo) + 1))
    return ports


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def _os_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
