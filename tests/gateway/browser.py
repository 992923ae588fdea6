"""What a browser sends: stripe.js's form-encoded calls with a publishable key, and the customer's clicks
on the gateway's hosted pages. Plain http.client, redirects NOT followed (the test reads Location)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

PK = "pk_test_paychaos"


@dataclass
class Answer:
    status: int
    headers: dict
    text: str

    def json(self) -> dict:
        return json.loads(self.text)

    @property
    def location(self) -> str | None:
        return self.headers.get("location")


def request(url: str, method: str = "GET", form: dict | list | None = None, headers: dict | None = None) -> Answer:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = urlencode(form) if form is not None else None
    all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})} if body else dict(
        headers or {})
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, path, body=body, headers=all_headers)
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode())
    finally:
        conn.close()


def stripe_js_confirm(base: str, pi_id: str, client_secret: str, payment_method: str = "pm_card_visa",
                      key: str = PK, **extra) -> Answer:
    """`stripe.confirmCardPayment(clientSecret, {payment_method})` as stripe.js puts it on the wire."""
    form = {
        "payment_method": payment_method, "expected_payment_method_type": "card", "use_stripe_sdk": "true",
        "key": key, "client_secret": client_secret, **extra,
    }
    return request(f"{base}/v1/payment_intents/{pi_id}/confirm", "POST", form)


def stripe_js_card_data(base: str, pi_id: str, client_secret: str, number: str, return_url: str) -> Answer:
    """`stripe.confirmCardPayment` with a card Element: payment_method_data with the browser's fields."""
    form = [
        ("payment_method_data[type]", "card"), ("payment_method_data[card][number]", number),
        ("payment_method_data[card][exp_month]", "12"), ("payment_method_data[card][exp_year]", "34"),
        ("payment_method_data[card][cvc]", "123"),
        ("payment_method_data[payment_user_agent]", "stripe.js/abc123; stripe-js-v3/abc123; card-element"),
        ("payment_method_data[time_on_page]", "23517"), ("payment_method_data[referrer]", "http://127.0.0.1/shop"),
        ("payment_method_data[guid]", "NA"), ("payment_method_data[muid]", "NA"), ("payment_method_data[sid]", "NA"),
        ("expected_payment_method_type", "card"), ("use_stripe_sdk", "true"), ("return_url", return_url),
        ("key", PK), ("client_secret", client_secret),
    ]
    return request(f"{base}/v1/payment_intents/{pi_id}/confirm", "POST", form)


def pass_3ds(url: str, result: str = "pass") -> Answer:
    """The customer presses "Complete authentication" (or "Fail") on the challenge page at `url`."""
    page = request(url)
    assert page.status == 200 and "value=pass" in page.text and "value=fail" in page.text, page.text
    return request(url, "POST", {"result": result})


def pay_checkout(url: str, number: str = "4242424242424242", email: str = "ann@example.com",
                 method: str = "card") -> Answer:
    """The customer fills the hosted Checkout page at `url` and presses Pay."""
    page = request(url)
    assert page.status == 200 and "<form method=post" in page.text and "name=action value=pay" in page.text, page.text
    form = {"action": "pay", "method": method, "email": email}
    if method == "card":
        form.update({"number": number, "expiry": "12/34", "cvc": "123"})
    return request(url, "POST", form)
