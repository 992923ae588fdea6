"""The browser the driver uses (paychaos.driver.cdp): a reused tab keeps nothing of the last customer,
alert() texts are caught, screenshots are images, and a page's calls to the gateway's own address go
through the route it is given (the proxy), unseen by the page."""

from __future__ import annotations

import http.server
import threading


def test_a_reset_tab_keeps_no_cookie_nor_storage_of_the_last_customer(tab, page_server):
    page_server.pages["/p"] = "<!doctype html><title>p</title>"
    assert tab.navigate(page_server.url + "/p") is None
    tab.evaluate("document.cookie = 'cart=42; path=/'; localStorage.setItem('card', '4242'); "
                 "sessionStorage.setItem('s', '1')")
    assert tab.evaluate("document.cookie") == "cart=42"
    tab.reset([page_server.url])
    assert tab.url() == "about:blank"
    assert tab.navigate(page_server.url + "/p") is None
    assert tab.evaluate("[document.cookie, localStorage.getItem('card'), sessionStorage.getItem('s')]") == \
        ["", None, None]


def test_two_tabs_are_two_customers(chromium, page_server):
    page_server.pages["/p"] = "<!doctype html><title>p</title>"
    one, two = chromium.new_tab(), chromium.new_tab()
    try:
        one.navigate(page_server.url + "/p")
        two.navigate(page_server.url + "/p")
        one.evaluate("document.cookie = 'who=one; path=/'")
        assert two.evaluate("document.cookie") == ""
    finally:
        one.close()
        two.close()


def test_alerts_are_caught_and_answered_and_screenshots_are_jpegs(tab, page_server):
    page_server.pages["/a"] = "<!doctype html><p>x</p><script>setTimeout(() => alert('Card declined'), 10)</script>"
    assert tab.navigate(page_server.url + "/a") is None
    for _ in range(100):
        if tab.dialogs:
            break
        tab.evaluate("1")
    assert tab.dialogs == ["Card declined"]
    assert tab.evaluate("document.body.innerText") == "x"   # the page goes on: the dialog was answered
    assert tab.screenshot()[:3] == b"\xff\xd8\xff"


def test_a_route_sends_the_gateways_address_through_another_origin(tab, page_server):
    """The gateway names its own address in URLs (3-D Secure, hosted pages): the tab reaches it through
    the proxy listener instead. Here the 'gateway' is a dead address and the 'proxy' the page server."""
    page_server.pages["/_3ds/pi_1"] = "<!doctype html><title>through the proxy</title>"
    dead = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    gateway = f"http://127.0.0.1:{dead.server_port}"
    dead.server_close()
    tab.route({gateway: page_server.url})
    try:
        assert tab.navigate(gateway + "/_3ds/pi_1") is None
        assert tab.evaluate("document.title") == "through the proxy"
        assert tab.url() == gateway + "/_3ds/pi_1"     # the page never knows
    finally:
        tab.route({})
    assert threading.active_count() >= 1
