"""Forward mode: a page that loads https://js.stripe.com/v3, unmodified, gets paychaos's stand-in from
the proxy, and its calls to https://api.stripe.com reach the local gateway through the proxy (journaled,
faults apply). Chromium uses the proxy's forward listener and trusts only the proxy's CA key."""

from __future__ import annotations

import json
import time

import pytest
import requests

from paychaos.driver import cdp
from paychaos.driver.page import spki_hash
from paychaos.gateway.testing import running_gateway
from paychaos.proxies.journal import read_journal
from paychaos.proxies.testing import running_proxy, set_rules


@pytest.fixture(scope="module")
def forward(tmp_path_factory):
    if cdp.find_chromium() is None:
        pytest.skip("no Chromium on this machine")
    base = tmp_path_factory.mktemp("fwd-page")
    with running_gateway() as gw, running_proxy({"primary": gw.url}, journal=base / "j.jsonl", forward=True,
                                                confdir=base / "conf") as proxy:
        browser = cdp.Chromium(proxy=proxy.info["forward"], ignore_cert_spki=spki_hash(proxy.info["ca_cert"])).start()
        try:
            yield gw, proxy, browser
        finally:
            browser.close()


def _intent(gw) -> dict:
    return requests.post(gw.url + "/v1/payment_intents", auth=("sk_test_fwd", ""), timeout=10,
                         data={"amount": 2500, "currency": "usd", "payment_method_types[]": "card"}).json()


def test_an_unmodified_page_pays_through_js_stripe_com_and_a_fault_reaches_the_browser(forward, page_server):
    gw, proxy, browser = forward
    page_server.pages["/pay"] = (
        "<!doctype html><script src='https://js.stripe.com/v3/'></script><div id=card></div><script>"
        "window.stripe = Stripe('pk_test_fwd'); window.el = stripe.elements().create('card'); el.mount('#card');"
        "</script>")
    tab = browser.new_tab()
    try:
        assert tab.navigate(page_server.url + "/pay") is None
        assert tab.evaluate("window.__paychaos.api") == "https://api.stripe.com"
        for field, value in (("number", "4242424242424242"), ("expiry", "12 / 34"), ("cvc", "123"), ("postal", "1")):
            tab.evaluate(f"document.querySelector('[data-paychaos-field={field}]').value = {json.dumps(value)}")
        set_rules(proxy.info["control"], [], scenario="fwd-page-ok")
        pi = _intent(gw)
        answer = tab.evaluate(f"(async () => await stripe.confirmCardPayment({json.dumps(pi['client_secret'])}, "
                              "{payment_method: {card: el}}))()", await_promise=True, timeout_s=30)
        assert answer["paymentIntent"]["status"] == "succeeded"
        set_rules(proxy.info["control"], [{"fault": "http_error", "params": {"status": 503},
                                           "match": {"path": "/v1/payment_intents/*/confirm"}}],
                  scenario="fwd-page-fault")
        pi = _intent(gw)
        answer = tab.evaluate(f"(async () => await stripe.confirmCardPayment({json.dumps(pi['client_secret'])}, "
                              "{payment_method: {card: el}}))()", await_promise=True, timeout_s=30)
        # the proxy's made-up answer carries the gateway's CORS header, so stripe.js reads the fault's own
        # error body (not a CORS failure that would look like a lost connection)
        assert answer["error"]["type"] == "api_error" and "http_error 503" in answer["error"]["message"]
        assert "paymentIntent" not in answer
    finally:
        tab.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        records = [r for r in read_journal(proxy.info["journal"], scenario="fwd-page-fault")
                   if r["path"].endswith("/confirm")]
        if records:
            break
        time.sleep(0.2)
    assert records and records[0]["status"] == 503 and records[0]["faults"][0]["fault"] == "http_error"
    # whatever else the browser asked for off this machine was refused, never forwarded
    others = [r for r in read_journal(proxy.info["journal"]) if r["status"] == 403]
    assert all(r.get("error") == "not_allowed" for r in others), others
    ok = list(read_journal(proxy.info["journal"], scenario="fwd-page-ok"))
    assert any(r["path"].endswith("/confirm") and r["status"] == 200 for r in ok)
