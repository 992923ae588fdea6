"""The driver's browser (paychaos.driver.browser): gateway pages through the proxy, loopback only,
redirects never followed by itself; and how scoring tells the browser's calls from the merchant's."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from paychaos.common.call_kinds import BROWSER_RETURN_PATH, browser_call
from paychaos.driver.browser import Browser, LeftLoopback


@pytest.fixture
def server():
    """A real HTTP server that records the paths it was asked for and answers 303 to /next."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            self.send_response(303)
            self.send_header("Location", "/next")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()
    thread.join()


def test_a_gateway_page_is_opened_through_the_proxy_listener(server):
    proxy, seen = server
    browser = Browser({"http://127.0.0.1:1": proxy})   # the gateway's own address -> the "proxy"
    page = browser.get("http://127.0.0.1:1/pay/cs_test_1?x=1")
    assert seen == ["/pay/cs_test_1?x=1"]
    assert page.status == 303 and page.location == "http://127.0.0.1:1/next"   # not followed
    browser.close()


def test_the_browser_never_leaves_loopback():
    browser = Browser({})
    for url in ("https://checkout.stripe.com/c/pay/cs_1", "http://10.0.0.1/x", "file:///etc/passwd"):
        with pytest.raises(LeftLoopback):
            browser.get(url)


def test_in_forward_mode_only_stripes_own_hosts_go_through_the_forward_listener(tmp_path):
    """With a forward listener and the run's CA, https://checkout.stripe.com (and api., js.) is opened as it
    is, through that listener; any other host off the machine is still refused, and plain http to
    Stripe's names too (Stripe is https only)."""
    browser = Browser({}, forward="http://127.0.0.1:1", ca_cert=str(tmp_path / "ca.pem"))
    assert browser.forwarded("https://checkout.stripe.com/c/pay/cs_1")
    assert browser.address("https://checkout.stripe.com/c/pay/cs_1") == "https://checkout.stripe.com/c/pay/cs_1"
    for url in ("http://checkout.stripe.com/c/pay/cs_1", "https://stripe.com/", "https://evil.example/",
                "https://checkout.stripe.com.evil.example/"):
        assert not browser.forwarded(url)
        with pytest.raises(LeftLoopback):
            browser.address(url)
    assert not Browser({}, forward="http://127.0.0.1:1").forwarded("https://checkout.stripe.com/c/pay/cs_1")


def test_no_answer_is_a_page_without_status():
    page = Browser({}, timeout_s=1).get("http://127.0.0.1:9/")   # the discard port: nobody listens
    assert page.status is None and page.error == "connection"


def test_browser_calls_are_told_from_the_merchants():
    assert browser_call("/pay/cs_test_1")
    assert browser_call("/c/pay/cs_test_1")   # checkout.stripe.com's page, in forward mode
    assert browser_call("/_3ds/pi_1")
    assert browser_call("/favicon.ico")   # Chromium asks for the icon of the hosted page's origin
    assert browser_call("/v1/payment_intents/pi_1/confirm", return_url="http://127.0.0.1:5" + BROWSER_RETURN_PATH)
    assert browser_call("/v1/payment_intents/pi_1", query="key=pk_test_x&client_secret=pi_1_secret_y")
    assert not browser_call("/v1/payment_intents/pi_1/confirm", return_url="https://shop.example/done")
    assert not browser_call("/v1/payment_intents")
