"""Webhook URLs are loopback-only unless the host is allowed with --allow-webhook-host, on every
path in (`--webhook-url`, `POST /_sim/webhooks`, `/v1/webhook_endpoints` create and update), and the
gateway never connects to a refused URL.

`0.0.0.0` stands in for "a host that is not loopback": it is not a loopback address, yet on Linux a
connection to it reaches a listener on 127.0.0.1, so a test can see whether the gateway connected."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from paychaos.gateway.testing import running_gateway, sim_headers, webhook_log
from paychaos.gateway.webhooks import WebhookDispatcher
from tests.gateway.test_webhooks import SECRET, Receiver, pay

AUTH = {"Authorization": "Bearer sk_test_hosts"}


def _elsewhere(rx: Receiver) -> str:
    return rx.url.replace("127.0.0.1", "0.0.0.0")


@pytest.mark.parametrize("url", ["http://example.com/hook", "http://0.0.0.0:9/h", "http://10.0.0.1/h",
                                 "http://127.0.0.1@example.com/h", "http://example.com\\@127.0.0.1/h",
                                 "http://127.0.0.1.nip.io/h", "http://2130706433/h", "http://[::ffff:8.8.8.8]/h"])
def test_non_loopback_urls_are_refused_on_every_path(gateway, url):
    tok = sim_headers(gateway.url)   # JSON, and the gateway's /_sim token
    sim = httpx.post(gateway.url + "/_sim/webhooks", json={"url": url, "secret": SECRET}, headers=tok)
    assert sim.status_code == 400 and sim.json()["error"]["param"] == "url"
    v1 = httpx.post(gateway.url + "/v1/webhook_endpoints", headers=AUTH,
                    data={"url": url, "enabled_events[0]": "*"})
    assert v1.status_code == 400 and v1.json()["error"]["param"] == "url"
    ok = httpx.post(gateway.url + "/v1/webhook_endpoints", headers=AUTH,
                    data={"url": "http://127.0.0.1:9/h", "enabled_events[0]": "*"}).json()
    moved = httpx.post(f"{gateway.url}/v1/webhook_endpoints/{ok['id']}", headers=AUTH, data={"url": url})
    assert moved.status_code == 400 and moved.json()["error"]["param"] == "url"
    assert [ep["url"] for ep in webhook_log(gateway.url)["endpoints"]] == ["http://127.0.0.1:9/h"]
    httpx.delete(gateway.url + "/_sim/webhooks", headers=tok)


def test_a_refused_url_is_never_connected_to(gateway):
    tok = sim_headers(gateway.url)   # JSON, and the gateway's /_sim token
    with Receiver() as rx, Receiver() as witness:
        answer = httpx.post(gateway.url + "/_sim/webhooks", json={"url": _elsewhere(rx), "secret": SECRET},
                            headers=tok)
        assert answer.status_code == 400 and "--allow-webhook-host 0.0.0.0" in answer.json()["error"]["message"]
        httpx.post(gateway.url + "/_sim/webhooks", json={"url": witness.url, "secret": SECRET}, headers=tok)
        pay(gateway.url)
        witness.wait_for(lambda: len(witness.received) >= 3)  # the events were sent: to the loopback one only
        assert rx.received == []
        assert {d["url"] for d in webhook_log(gateway.url)["deliveries"]} == {witness.url}
        httpx.delete(gateway.url + "/_sim/webhooks", headers=tok)


def test_an_allowed_host_is_delivered_to():
    with Receiver() as rx, running_gateway(allow_webhook_host=["hooks.example.com", "0.0.0.0"]) as gw:
        tok = sim_headers(gw.url)
        assert httpx.post(gw.url + "/_sim/webhooks", json={"url": _elsewhere(rx), "secret": SECRET},
                          headers=tok).status_code == 200
        pay(gw.url)
        rx.wait_for(lambda: len(rx.received) >= 1)
        assert rx.events()  # signed and verifiable, as on loopback
        refused = httpx.post(gw.url + "/_sim/webhooks", json={"url": "http://other.example/h", "secret": SECRET},
                             headers=tok)
        assert refused.status_code == 400


def test_webhook_url_flag_needs_the_host_allowed():
    with Receiver() as rx, running_gateway(webhook_url=_elsewhere(rx), webhook_secret=SECRET,
                                           allow_webhook_host="0.0.0.0") as gw:
        pay(gw.url)
        rx.wait_for(lambda: len(rx.received) >= 1)


def test_the_dispatcher_refuses_a_url_that_got_past_the_api():
    """A last guard before each attempt: an endpoint whose URL is not allowed is logged as refused
    and never connected to, however it got into the dispatcher."""
    with Receiver() as rx:
        async def scenario():
            hooks = WebhookDispatcher(max_attempts=1)
            await hooks.start()
            try:
                hooks.add_endpoint({"id": "we_1", "url": _elsewhere(rx), "enabled_events": ["*"],
                                    "status": "enabled"}, SECRET)
                hooks._on_event({"id": "evt_1", "type": "charge.succeeded", "pending_webhooks": 0})
                for _ in range(200):
                    if hooks.gave_up:
                        break
                    await asyncio.sleep(0.01)
            finally:
                await hooks.stop()
            return hooks

        hooks = asyncio.run(scenario())
        assert hooks.gave_up == 1 and hooks.log[0]["error"].startswith("refused: host '0.0.0.0'")
        assert rx.received == []


def test_url_refusal_unit():
    from paychaos.gateway.webhooks import url_refusal

    assert url_refusal("http://127.0.0.1:1/x") is None and url_refusal("https://localhost/x") is None
    assert url_refusal("http://[::1]:8/x") is None and url_refusal("http://127.3.4.5/x") is None
    assert "not loopback" in url_refusal("http://hooks.example.com/x")
    assert url_refusal("http://HOOKS.example.com/x", frozenset({"hooks.example.com"})) is None
    assert url_refusal("ftp://127.0.0.1/x") and url_refusal("http://127.0.0.1:x/") and url_refusal(5)
