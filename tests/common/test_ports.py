"""free_port chooses a merchant's port where the OS never hands out ports of its own (below the
ephemeral range), so a port left free between two restarts of the merchant is not taken by the
machine's next outgoing connection or port-0 bind."""

from __future__ import annotations

import socket

from paychaos.common import ports


def test_candidates_end_below_the_ephemeral_range():
    assert ports.candidate_range("32768\t60999\n") == (20000, 32767)
    assert ports.candidate_range("49152 65535") == (20000, 49151)
    assert ports.candidate_range("") == (20000, 32767)          # not Linux: the common default


def test_reserved_ports_are_read_as_the_kernel_writes_them():
    assert ports.reserved_ports("8080,20001-20003\n") == {8080, 20001, 20002, 20003}
    assert ports.reserved_ports("\n") == set()


def test_a_free_port_is_below_the_ephemeral_range_and_can_be_bound():
    low, high = ports.candidate_range()
    for _ in range(20):
        port = ports.free_port()
        if high - low + 1 >= ports.MIN_SPAN:
            assert low <= port <= high
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))       # free now


def test_a_port_in_use_is_never_chosen(monkeypatch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        monkeypatch.setattr(ports, "candidate_range", lambda: (taken, taken + ports.MIN_SPAN - 1))
        free = _ports_free_just_now(20)   # the busy machine may take any of them meanwhile: 20 to spare
        picks = iter([taken, taken, *free])
        monkeypatch.setattr(ports._random, "randint", lambda lo, hi: next(picks))
        chosen = ports.free_port()
        assert chosen != taken and chosen in free


def _ports_free_just_now(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
