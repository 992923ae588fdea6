"""Forward mode serves the hosted Checkout page as https://checkout.stripe.com, as Stripe does: a session
made through https://api.stripe.com names that page in its `url`, the page and its form answer through the
proxy from the local gateway (journaled with the host asked for), and nothing else is served on that host.
Only the proxy can say a request was forwarded: a client's own copy of the mark is dropped."""

from __future__ import annotations

import re

import pytest
import requests

from paychaos.common.stripe_hosts import FORWARDED_HEADER
from paychaos.gateway.testing import running_gateway
from paychaos.proxies.testing import running_proxy, set_rules
from tests.proxies.conftest import journal_of

KEY = {"Authorization": "Bearer sk_test_fwd_checkout"}
SESSION = {"mode": "payment", "success_url": "http://127.0.0.1:9/done?cs={CHECKOUT_SESSION_ID}",
           "cancel_url": "http://127.0.0.1:9/cancel", "line_items[0][quantity]": "1",
           "line_items[0][price_data][currency]": "usd", "line_items[0][price_data][unit_amount]": "1500",
           "line_items[0][price_data][product_data][name]": "Lamp"}


@pytest.fixture(scope="module")
def gateway():
    with running_gateway() as gw:
        yield gw


@pytest.fixture(scope="module")
def proxy(gateway, tmp_path_factory):
    base = tmp_path_factory.mktemp("fwd-checkout")
    with running_proxy({"primary": gateway.url}, journal=base / "j.jsonl", forward=True,
                       confdir=base / "conf") as svc:
        yield svc


@pytest.fixture
def browser(proxy):
    """A client that reaches Stripe's hosts only through the forward listener, trusting the run's CA."""
    with requests.Session() as http:
        http.trust_env = False
        http.proxies = {"https": proxy.info["forward"]}
        http.verify = proxy.info["ca_cert"]
        yield http


def test_a_session_made_through_api_stripe_com_names_checkout_stripe_com(proxy, browser):
    set_rules(proxy.info["control"], [], scenario="fwd-cs-url")
    cs = browser.post("https://api.stripe.com/v1/checkout/sessions", data=SESSION, headers=KEY, timeout=30).json()
    assert re.fullmatch(r"https://checkout\.stripe\.com/c/pay/cs_test_\w+", cs["url"]), cs["url"]
    rec = journal_of(proxy, "fwd-cs-url")[0]
    assert rec["path"] == "/v1/checkout/sessions" and rec["host"] == "api.stripe.com"


def test_the_hosted_page_is_served_and_paid_on_checkout_stripe_com(proxy, browser):
    set_rules(proxy.info["control"], [], scenario="fwd-cs-pay")
    cs = browser.post("https://api.stripe.com/v1/checkout/sessions", data=SESSION, headers=KEY, timeout=30).json()
    page = browser.get(cs["url"], timeout=30)
    assert page.status_code == 200 and "15.00 USD" in page.text and "name=action value=pay" in page.text
    paid = browser.post(cs["url"], data={"action": "pay", "method": "card", "email": "a@example.com",
                                         "number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"},
                        allow_redirects=False, timeout=30)
    assert paid.status_code == 303 and paid.headers["Location"] == f"http://127.0.0.1:9/done?cs={cs['id']}"
    legs = journal_of(proxy, "fwd-cs-pay", n=3)
    assert [(r["method"], r["host"], r["path"].startswith("/c/pay/cs_test_")) for r in legs[1:]] == [
        ("GET", "checkout.stripe.com", True), ("POST", "checkout.stripe.com", True)]
    assert "4242424242424242" not in str(legs)


def test_a_3ds_payment_is_challenged_on_hooks_stripe_com_and_comes_back_to_checkout_stripe_com(proxy, browser):
    """The page's script pays through api.stripe.com: the challenge is Stripe's page on hooks.stripe.com,
    and passing it sends the customer back to the session's page on checkout.stripe.com, which goes on
    to success_url."""
    set_rules(proxy.info["control"], [], scenario="fwd-3ds")
    cs = browser.post("https://api.stripe.com/v1/checkout/sessions", data=SESSION, headers=KEY, timeout=30).json()
    pm = browser.post("https://api.stripe.com/v1/payment_methods", timeout=30, data={
        "key": "pk_test_fwd", "type": "card", "card[number]": "4000002760003184", "card[exp_month]": "12",
        "card[exp_year]": "2034", "card[cvc]": "123"}).json()
    done = browser.post(f"https://api.stripe.com/v1/payment_pages/{cs['id']}/confirm", timeout=30, data={
        "key": "pk_test_fwd", "payment_method": pm["id"], "expected_payment_method_type": "card"}).json()
    action = done["payment_intent"]["next_action"]["redirect_to_url"]
    assert action["return_url"] == f"https://checkout.stripe.com/c/pay/{cs['id']}/return"
    pi = done["payment_intent"]["id"]
    assert action["url"] == f"https://hooks.stripe.com/redirect/authenticate/{pi}"
    challenge = browser.get(action["url"], timeout=30)
    assert challenge.status_code == 200 and "Complete authentication" in challenge.text
    back = browser.post(action["url"], data={"result": "pass"}, allow_redirects=False, timeout=30)
    assert back.status_code == 303 and back.headers["Location"].startswith(action["return_url"] + "?")
    final = browser.get(back.headers["Location"], allow_redirects=False, timeout=30)
    assert final.status_code == 303 and final.headers["Location"] == f"http://127.0.0.1:9/done?cs={cs['id']}"
    hooks = [r for r in journal_of(proxy, "fwd-3ds", n=6) if r["host"] == "hooks.stripe.com"]
    assert [(r["method"], r["path"]) for r in hooks] == [("GET", f"/redirect/authenticate/{pi}"),
                                                         ("POST", f"/redirect/authenticate/{pi}")]


def test_checkout_stripe_com_serves_the_pages_and_nothing_else(proxy, browser):
    assert browser.post("https://checkout.stripe.com/v1/checkout/sessions", data=SESSION, headers=KEY,
                        timeout=30).status_code == 404
    assert browser.get("https://checkout.stripe.com/pay/cs_test_nope", timeout=30).status_code == 404


def test_hooks_stripe_com_serves_the_challenges_and_nothing_else(proxy, browser):
    assert browser.post("https://hooks.stripe.com/v1/checkout/sessions", data=SESSION, headers=KEY,
                        timeout=30).status_code == 404
    assert browser.get("https://hooks.stripe.com/c/pay/cs_test_nope", timeout=30).status_code == 404
    assert browser.get("https://hooks.stripe.com/redirect/authenticate/pi_nope", timeout=30).status_code == 404


def test_only_the_proxy_marks_a_request_forwarded(proxy):
    """A client's own X-Paychaos-Forwarded-Host is dropped: through the reverse listener the session
    names the gateway's own address."""
    cs = requests.post(f"{proxy.url}/v1/checkout/sessions", data=SESSION, timeout=30,
                       headers={**KEY, FORWARDED_HEADER: "checkout.stripe.com"}).json()
    assert cs["url"].startswith("http://127.0.0.1:") and "/pay/cs_test_" in cs["url"]
