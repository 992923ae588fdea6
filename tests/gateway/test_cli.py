"""`paychaos gateway` as a user starts it: ready line, flags, bad flags, seeds, two side by side."""

from __future__ import annotations

import subprocess

import httpx

from paychaos.common.procs import paychaos_argv
from paychaos.gateway.testing import get_ledger, running_gateway

AUTH = {"Authorization": "Bearer sk_test_cli"}
PAY = {"amount": "100", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}


def test_two_instances_side_by_side_keep_separate_ledgers():
    with running_gateway() as primary, running_gateway() as backup:
        assert primary.url != backup.url and primary.url.startswith("http://127.0.0.1:")
        assert httpx.get(primary.url + "/_sim/health").json() == {"ok": True}
        httpx.post(primary.url + "/v1/payment_intents", data=PAY, headers=AUTH)
        assert len(get_ledger(primary.url)["payment_intents"]) == 1
        assert get_ledger(backup.url)["payment_intents"] == []


def test_seed_makes_ids_deterministic():
    ids = []
    for _ in range(2):
        with running_gateway(seed=42) as gw:
            ids.append(httpx.post(gw.url + "/v1/payment_intents", data=PAY, headers=AUTH).json()["id"])
            httpx.post(gw.url + "/_sim/reset", json={}, headers={"X-Paychaos-Token": gw.info["token"]})
            ids.append(httpx.post(gw.url + "/v1/payment_intents", data=PAY, headers=AUTH).json()["id"])
    assert ids[0] == ids[1] == ids[2] == ids[3]
    with running_gateway(seed=43) as gw:
        assert httpx.post(gw.url + "/v1/payment_intents", data=PAY, headers=AUTH).json()["id"] != ids[0]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(paychaos_argv("gateway", *args), capture_output=True, text=True, timeout=30)


def test_bad_flags_exit_2_naming_the_flag():
    remote = _run("--host", "0.0.0.0")
    assert remote.returncode == 2 and "--host" in remote.stderr and "Traceback" not in remote.stderr
    hook = _run("--webhook-url", "http://example.com/hook")
    assert hook.returncode == 2 and "--webhook-url" in hook.stderr and "loopback" in hook.stderr
    delay = _run("--processing-delay-ms", "-3")
    assert delay.returncode == 2 and "--processing-delay-ms" in delay.stderr
    secret_alone = _run("--webhook-secret", "whsec_x")
    assert secret_alone.returncode == 2 and "--webhook-secret" in secret_alone.stderr


def test_processing_delay_flag_slows_money_calls_only():
    import time

    with running_gateway(processing_delay_ms=600) as gw, httpx.Client(headers=AUTH) as http:
        http.get(gw.url + "/v1/payment_intents")
        started = time.monotonic()
        http.post(gw.url + "/v1/payment_intents", data=PAY)
        assert time.monotonic() - started >= 0.59
        started = time.monotonic()
        http.get(gw.url + "/v1/payment_intents")
        assert time.monotonic() - started < 0.5  # a read is not held


def test_port_in_use_exits_2():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        answer = _run("--port", str(taken.getsockname()[1]))
    assert answer.returncode == 2 and "--port" in answer.stderr and "Traceback" not in answer.stderr


def test_out_of_range_numbers_exit_2_naming_the_flag():
    for flag, value in [("--webhook-timeout-s", "nan"), ("--webhook-timeout-s", "inf"),
                        ("--webhook-timeout-s", "-1"), ("--webhook-timeout-s", "0"),
                        ("--processing-delay-ms", "1" + "0" * 30), ("--webhook-max-attempts", "1000000"),
                        ("--webhook-retry-base-ms", "99999999999"), ("--allow-webhook-host", "http://x.example"),
                        ("--allow-webhook-host", "x.example:8080"),
                        ("--allow-webhook-host", "")]:
        answer = _run(flag, value)
        assert answer.returncode == 2, (flag, value, answer.stderr)
        assert flag in answer.stderr and "Traceback" not in answer.stderr, answer.stderr


def test_allow_webhook_host_lets_webhook_url_through():
    refused = _run("--webhook-url", "http://hooks.example.com/h")
    assert refused.returncode == 2 and "--allow-webhook-host hooks.example.com" in refused.stderr
    with running_gateway(webhook_url="http://hooks.example.com/h", allow_webhook_host="hooks.example.com") as gw:
        endpoints = httpx.get(gw.url + "/_sim/webhooks", headers={"X-Paychaos-Token": gw.info["token"]}).json()
        endpoints = endpoints["endpoints"]
        assert [ep["url"] for ep in endpoints] == ["http://hooks.example.com/h"]
