"""A long run does not lose every scenario after one mishap of the machine's: a gateway or the proxy that
stopped, or a merchant port another process took between two restarts, makes the session start its
services again before the next scenario (the scenario's notes say so); a merchant that fails on its own
is reported, not retried. Real gateways, a real mitmproxy and the real resilient merchant."""

from __future__ import annotations

import os
import signal
import socket

import pytest

import paychaos.runner.session as session_module
from paychaos.runner import Session
from paychaos.scenario.load import BUILTIN_DIR, load_scenario_file
from paychaos.target import load_target

pytestmark = pytest.mark.slow


def healthy():
    return load_scenario_file(str(BUILTIN_DIR / "healthy-baseline.yaml"))


def _paid(obs) -> bool:
    return obs.errors == [] and obs.checkouts and {c.status for c in obs.checkouts} == {"paid"}


def test_a_gateway_that_stopped_is_started_again_before_the_next_scenario():
    with Session(load_target(None)) as session:
        assert _paid(session.run(healthy()))
        old_url = session.primary.url
        os.killpg(session.primary.proc.pid, signal.SIGKILL)
        session.primary.proc.wait(10)
        obs = session.run(healthy())
        assert _paid(obs), obs.errors
        assert any("started its services again" in n and "gateway-primary had stopped" in n for n in obs.notes), obs.notes
        assert session.primary.alive() and session.primary.url != old_url
        # the new gateway's ledger holds this scenario's money, one capture per order
        captured = obs.ledger["money"]["by_metadata"]["order_id"]
        assert {o: cell["captured"] for o, cell in captured.items()} == {c.order_id: c.amount for c in obs.checkouts}


def test_a_merchant_port_taken_by_another_process_moves_the_session_to_a_new_port():
    with Session(load_target(None)) as session:
        assert _paid(session.run(healthy()))
        port = session.values["port"]
        session._stop_merchant()
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past the merchant's TIME_WAITs
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            obs = session.run(healthy())
        assert _paid(obs), obs.errors
        assert any(f"another process took the merchant's port {port}" in n for n in obs.notes), obs.notes
        assert session.values["port"] != port and session.base_url.endswith(f":{session.values['port']}")


def test_after_the_last_allowed_restart_a_scenario_is_errored_with_the_reason(monkeypatch):
    monkeypatch.setattr(session_module, "MAX_RESTARTS", 0)
    with Session(load_target(None)) as session:
        os.killpg(session.proxy.proc.pid, signal.SIGKILL)
        session.proxy.proc.wait(10)
        obs = session.run(healthy())
        assert obs.checkouts == []
        assert len(obs.errors) == 1 and "proxy had stopped" in obs.errors[0]
        assert "started its services again 0 times" in obs.errors[0]
