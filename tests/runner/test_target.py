"""Target files: validation messages, placeholder rendering and outcome extraction."""

from __future__ import annotations

import sys

import pytest

from paychaos.common.errors import InputError
from paychaos.target import (
    BUILTIN_TARGETS,
    Answer,
    Shop,
    extract,
    load_target,
    read_field,
    render,
    render_strings,
)

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
     "start, base_url, webhook_path, checkout, order_status, cancel, publishable_key, dialect)"),
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
     "FILE: checkout.pth: unknown key 'pth'; did you mean 'path'? (valid: method, path, json, form, outcome, flow)"),
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


# -- the merchant's own vocabulary, what the shop claims, and targets that could never work -------

OWN = TARGET.replace('    alternatives: "$.alternatives"\n', '    alternatives: "$.alternatives"\n    order_id: "$.id"\n'
                     ).replace('order_status: {method: GET, path: "/orders/{order.id}", status: "$.order.status"}',
                               'order_status:\n  path: "/orders/{order.merchant_id}"\n  status: "$.state"\n'
                               '  fulfilled: "$.shipments"\n  paid: [complete]\n  canceled: [cancelled, voided]\n')


@pytest.mark.parametrize("old, new, expected", [
    ("  json:\n", "  form: {order: \"{order.id}\"}\n  json:\n",
     "FILE: checkout.form: has both `json` and `form`, but a request has one body"),
    ('status: "$.status"', "status: header.",
     "FILE: checkout.outcome.status: 'header.' is not one of these forms, so it could never match"),
    ('status: "$.status"', "status: $status",
     "FILE: checkout.outcome.status: '$status' is not one of these forms"),
    ('message: "$.message"', "message: http_status",
     "FILE: checkout.outcome.message: 'http_status' is not a JSON path nor header.NAME, so it could never match"),
    ('order_id: "$.id"', "order_id: id",
     "FILE: checkout.outcome.order_id: 'id' is not a JSON path nor header.NAME, so it could never match"),
    ('status: "$.status"', "status: http_status",
     "FILE: checkout.outcome.paid: 'paid' can never match: `status: http_status` reads the HTTP status code"),
    ('    order_id: "$.id"\n', "",
     "FILE: order_status.path: uses {order.merchant_id}, but checkout.outcome.order_id does not say where"),
    ("  path: /checkout\n", "  path: /checkout/{order.merchant_id}\n",
     "FILE: checkout.path: placeholder {order.merchant_id} is only known after the checkout answered"),
    ("  canceled: [cancelled, voided]\n", "  canceled: [cancelled, complete]\n",
     "FILE: order_status.canceled: 'complete' is listed under both paid and canceled"),
    ('  fulfilled: "$.shipments"', "  fulfilled: shipments", "FILE: order_status.fulfilled: 'shipments' is not a JSON path"),
    ('paid: ["paid", "succeeded"]', "paid: []", "FILE: checkout.outcome.paid: is empty, so no answer could ever"),
    ("name: my-shop\n", "name: my-shop\nshop: {gateways: 3}\n", "FILE: shop.gateways: 3 is out of range"),
    ("name: my-shop\n", "name: my-shop\nshop: {languages: [english]}\n",
     "FILE: shop.languages: expected a list of language prefixes"),
    ("name: my-shop\n", "name: my-shop\nshop: {paid_message: yes please}\n",
     "FILE: shop.paid_message: expected true or false"),
    ("  ready: {path: /health, timeout_s: 5}", "  cwd: no-such-folder",
     "FILE: start.cwd: 'no-such-folder' is not a folder"),
])
def test_targets_that_could_never_work_name_the_field(tmp_path, old, new, expected):
    assert old in OWN
    message = error_of(tmp_path, OWN.replace(old, new, 1))
    assert message.startswith(expected), message


def test_the_merchants_vocabulary_loads(tmp_path):
    (tmp_path / "shop").mkdir()
    t = load_target(write(tmp_path, OWN.replace("  ready: {path: /health, timeout_s: 5}", "  cwd: shop")))
    assert t.start.cwd == str(tmp_path / "shop")
    assert t.outcome.order_id == "$.id" and t.order_status_field == "$.state"
    state = t.order_state
    assert [state.canonical(w) for w in ("complete", "voided", "cancelled", "pending", "new", None)] == \
        ["paid", "canceled", "canceled", "pending", "new", None]
    assert state.counter({"shipments": [{}, {}]}) == 2 and state.counter({"shipments": 3}) == 3
    assert state.counter({}) is None


def test_form_bodies_and_outcomes_read_from_headers_and_the_status_code(tmp_path):
    form = OWN.replace("  json:\n", "  form:\n", 1).replace('status: "$.status"', "status: header.Location").replace(
        'paid: ["paid", "succeeded"]', 'paid: ["/thanks/*"]').replace('message: "$.message"', "message: header.X-Note")
    t = load_target(write(tmp_path, form))
    assert t.checkout.json is None and t.checkout.form["order_id"] == "{order.id}"
    answer = Answer(303, {"location": "/thanks/A-1", "x-note": "Payment received."}, None)
    assert read_field(answer, t.outcome.status) == "/thanks/A-1" and t.outcome.classify("/thanks/A-1") == "paid"
    assert read_field(answer, "header.X-NOTE") == "Payment received." and read_field(answer, "http_status") == 303
    assert t.outcome.classify("/cart?declined") == "failed"
    by_code = load_target(write(tmp_path, OWN.replace('status: "$.status"', "status: http_status").replace(
        'paid: ["paid", "succeeded"]', "paid: [200, 303]")))
    assert [by_code.outcome.classify(c) for c in (200, 303, 500)] == ["paid", "paid", "failed"]


def test_what_the_shop_claims_and_its_defaults(tmp_path):
    t = load_target(write(tmp_path, TARGET))
    assert t.shop == Shop(gateways=1, languages=("en",), paid_message=False)  # no {backup_gateway_url}
    with_backup = TARGET.replace('    STRIPE_WEBHOOK_SECRET', '    STRIPE_BACKUP_API_BASE: "{backup_gateway_url}"\n'
                                 '    STRIPE_WEBHOOK_SECRET')
    assert load_target(write(tmp_path, with_backup)).shop.gateways == 2
    claimed = load_target(write(tmp_path, TARGET.replace(
        "name: my-shop\n", "name: my-shop\nshop: {gateways: 1, languages: [EN, zh], paid_message: true}\n")))
    assert claimed.shop == Shop(gateways=1, languages=("en", "zh"), paid_message=True)
    assert claimed.shop.serves("zh_CN") and claimed.shop.serves("en-GB") and not claimed.shop.serves("de_DE")
    for name in ("resilient", "naive"):
        builtin = load_target(str(BUILTIN_TARGETS / f"{name}.yaml"))
        assert builtin.shop == Shop(gateways=2, languages=("en", "zh"), paid_message=True)


def test_a_fixed_port_with_several_workers_is_refused(tmp_path):
    fixed = load_target(write(tmp_path, TARGET.replace('base_url: "http://127.0.0.1:{port}"',
                                                        'base_url: "http://127.0.0.1:8000"')))
    fixed.check_workers(1)
    with pytest.raises(InputError) as info:
        fixed.check_workers(2)
    assert str(info.value).startswith(f"{fixed.path}: base_url: 'http://127.0.0.1:8000' is one fixed address, "
                                      "but -n/--workers asks for 2 workers")
    load_target(write(tmp_path, TARGET)).check_workers(4)  # {port}: each worker starts its own merchant
