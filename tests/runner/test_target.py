"""Target files: validation messages, placeholder rendering and outcome extraction."""

from __future__ import annotations

import sys

import pytest

from simulator.common.errors import InputError
from simulator.target import extract, load_target, render, render_strings

TARGET = """\
name: my-shop
start:
  command: ["{python}", "-m", "myshop", "--port", "{port}"]
  env:
    STRIPE_API_BASE: "{gateway_url}"
    STRIPE_WEBHOOK_SECRET: "{webhook_secret}"
  ready: {path: /health, timeout_s: 5}
base_url: "http://127.0.0.1:{port}"
webhook_path: /webhooks/stripe
checkout:
  method: POST
  path: /checkout
  json:
    order_id: "{order.id}"
    amount: "{order.amount}"
    payment_method: "{payment.token}"
    card: {number: "{card.number}", exp: "{card.exp_month}/{card.exp_year}"}
    note: "order {order.id} of {order.amount} {order.currency}"
  outcome:
    status: "$.status"
    paid: ["paid", "succeeded"]
    message: "$.message"
    alternatives: "$.alternatives"
order_status: {method: GET, path: "/orders/{order.id}", status: "$.order.status"}
cancel: {method: POST, path: "/orders/{order.id}/cancel"}
"""


def write(tmp_path, text: str) -> str:
    path = tmp_path / "target.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_of(tmp_path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_target(path)
    return str(info.value).replace(path, "FILE")


def test_a_good_target_loads(tmp_path):
    t = load_target(write(tmp_path, TARGET))
    assert t.name == "my-shop" and t.base_url == "http://127.0.0.1:{port}"
    assert t.start.command[0] == "{python}" and t.start.ready_path == "/health" and t.start.ready_timeout_s == 5
    assert t.checkout.method == "POST" and t.outcome.paid == ("paid", "succeeded")
    assert t.order_status_field == "$.order.status" and t.cancel.path == "/orders/{order.id}/cancel"
    assert not t.uses("proxy_url", "ca_cert") and t.uses("gateway_url")


@pytest.mark.parametrize("old, new, expected", [
    ("webhook_path:", "webhook_pth:",
     "FILE: webhook_pth: unknown key 'webhook_pth'; did you mean 'webhook_path'? (valid: version, name, shop, "
     "start, base_url, webhook_path, checkout, order_status, cancel)"),
    ('"{gateway_url}"', '"{gateway_uri}"',
     "FILE: start.env.STRIPE_API_BASE: unknown placeholder {gateway_uri}; did you mean 'gateway_url'?"),
    ('"--port", "{port}"', '"--order", "{order.id}"',
     "FILE: start.command[4]: placeholder {order.id} is only filled per checkout, not here"),
    ('order_id: "{order.id}"', 'order_id: "{order.uid}"',
     "FILE: checkout.json.order_id: unknown placeholder {order.uid}; did you mean 'order.id'?"),
    ('status: "$.status"', 'status: "status"',
     "FILE: checkout.outcome.status: 'status' is not one of these forms, so it could never match (valid: a JSON "
     "path ($.status, $.order.items.0.sku), header.NAME (header.Location) or http_status)"),
    ("method: GET", "method: FETCH",
     "FILE: order_status.method: 'FETCH' is not an HTTP method (valid: GET, POST, PUT, PATCH, DELETE)"),
    ("  path: /checkout\n", "  pth: /checkout\n",
     "FILE: checkout.pth: unknown key 'pth'; did you mean 'path'? (valid: method, path, json, form, outcome)"),
    ('base_url: "http://127.0.0.1:{port}"', 'base_url: "127.0.0.1:{port}"',
     "FILE: base_url: '127.0.0.1:{port}' is not an http(s) URL"),
    ("  ready: {path: /health, timeout_s: 5}", "  ready: {path: health}",
     "FILE: start.ready.path: 'health' does not start with '/' (valid: /checkout)"),
])
def test_mistakes_name_the_key(tmp_path, old, new, expected):
    assert old in TARGET
    message = error_of(tmp_path, TARGET.replace(old, new))
    assert message.startswith(expected), message


def test_missing_required_sections(tmp_path):
    assert error_of(tmp_path, "name: x\nbase_url: http://127.0.0.1:1\n") == "FILE: checkout: required key is missing"


def test_whole_string_placeholders_keep_their_type_and_embedded_ones_become_text():
    values = {"order.id": "ord-1", "order.amount": 1299, "order.currency": "usd", "payment.token": None,
              "card.number": "4242424242424242", "card.exp_month": 12, "card.exp_year": 2030}
    template = {"order_id": "{order.id}", "amount": "{order.amount}", "payment_method": "{payment.token}",
                "card": {"number": "{card.number}", "exp": "{card.exp_month}/{card.exp_year}"},
                "note": "order {order.id} of {order.amount} {order.currency}", "items": ["{order.amount}", 3],
                "literal": '{"not": "a placeholder"}'}
    assert render(template, values) == {
        "order_id": "ord-1", "amount": 1299, "payment_method": None,
        "card": {"number": "4242424242424242", "exp": "12/2030"},
        "note": "order ord-1 of 1299 usd", "items": [1299, 3], "literal": '{"not": "a placeholder"}'}


def test_an_unfilled_placeholder_inside_text_names_the_key():
    with pytest.raises(InputError) as info:
        render({"env": {"HTTPS_PROXY": "http://{proxy_url}"}}, {"proxy_url": None}, file="t.yaml", where="start")
    assert str(info.value) == ("t.yaml: start.env.HTTPS_PROXY: placeholder {proxy_url} is unfilled: "
                               "the proxy runs no forward listener in this run")
    with pytest.raises(InputError, match=r"start.env.CA: placeholder \{ca_cert\} is unfilled"):
        render_strings("{ca_cert}", {"ca_cert": None}, file="t.yaml", where="start.env.CA")
    assert render_strings("{python}", {"python": sys.executable}, file="t.yaml", where="x") == sys.executable


def test_extract_reads_simple_json_paths():
    body = {"status": "paid", "order": {"status": "refunded", "items": [{"sku": "a"}]}}
    assert extract(body, "$.status") == "paid"
    assert extract(body, "$.order.status") == "refunded"
    assert extract(body, "$.order.items.0.sku") == "a"
    assert extract(body, "$.order.missing") is None and extract(body, "$.status.deeper") is None
    assert extract(body, "$") == body and extract(body, None) is None


def test_outcome_classifies_the_merchants_words(tmp_path):
    outcome = load_target(write(tmp_path, TARGET)).outcome
    assert [outcome.classify(w) for w in ("succeeded", "paid", "pending", "failed", None)] == \
        ["paid", "paid", "pending", "failed", "failed"]


def test_no_path_means_the_built_in_resilient_merchant():
    target = load_target(None)
    assert target.name and target.start is not None and target.order_status is not None
    assert target.path.endswith("merchants/targets/resilient.yaml")
