"""Target file: flow `browser` and its `checkout.page` (docs/browser.md): defaults that fit Stripe's
samples, placeholders checked, every bad value an error naming the key and the valid forms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paychaos.common.errors import InputError
from paychaos.target import load_target
from paychaos.target_page import DEFAULT_CARD, DEFAULT_MESSAGE, PageSpec

ROOT = Path(__file__).resolve().parents[2]
BASE = """\
name: shop
base_url: "http://127.0.0.1:8000"
checkout:
  flow: browser
  path: "/checkout?order={{order.id}}&amount={{order.amount}}"
{page}"""


def load(tmp_path, page: str = ""):
    path = tmp_path / "target.yaml"
    path.write_text(BASE.format(page=page), encoding="utf-8")
    return load_target(str(path))


def error(tmp_path, page: str) -> str:
    with pytest.raises(InputError) as info:
        load(tmp_path, page)
    return str(info.value)


def test_a_browser_target_needs_no_outcome_and_gets_the_defaults(tmp_path):
    target = load(tmp_path)
    assert target.flow == target.shop.flow == "browser"
    assert target.checkout.method == "GET" and target.page.card == DEFAULT_CARD
    assert target.page.message == DEFAULT_MESSAGE and target.page.fill == {}


def test_the_page_keys_are_read(tmp_path):
    target = load(tmp_path, '  page:\n    fill: {"#email": "{customer.email}"}\n    submit: "#pay"\n'
                            '    message: ["#err", "#ok h1"]\n    spinner: null\n    paid: [merci]\n')
    page = target.page
    assert (page.fill, page.submit, page.message, page.spinner, page.paid) == (
        {"#email": "{customer.email}"}, "#pay", ("#err", "#ok h1"), None, ("merci",))


@pytest.mark.parametrize("page,field,words", [
    ('  page:\n    fill: ["#email"]\n', "checkout.page.fill", "mapping of CSS selector"),
    ('  page:\n    fill: {"#email": "{customer.mail}"}\n', "checkout.page.fill.#email", "customer.mail"),
    ("  page:\n    card: {pan: '#n'}\n", "checkout.page.card", "number, expiry, cvc, postal"),
    ("  page:\n    message: []\n", "checkout.page.message", "CSS selector"),
    ("  page:\n    paid: thanks\n", "checkout.page.paid", "list of words"),
    ("  page:\n    color: red\n", "checkout.page.color", "unknown key"),
])
def test_bad_page_keys_name_the_field(tmp_path, page, field, words):
    message = error(tmp_path, page)
    assert field in message and words in message


def test_a_page_or_a_missing_outcome_outside_flow_browser_is_refused(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text('name: s\nbase_url: "http://127.0.0.1:1"\ncheckout:\n  path: /c\n  page: {submit: "#x"}\n'
                    '  outcome: {status: "$.status"}\n')
    with pytest.raises(InputError, match="checkout.page.*flow: browser"):
        load_target(str(path))
    path.write_text('name: s\nbase_url: "http://127.0.0.1:1"\ncheckout:\n  path: /c\n')
    with pytest.raises(InputError, match="checkout.outcome"):
        load_target(str(path))


@pytest.mark.parametrize("text,status", [
    ("Thank you! Payment received.", "paid"), ("Your payment is processing. Thanks!", "pending"),
    ("Your card was declined.", "failed"), ("", "failed")])
def test_the_shown_text_gives_the_status(text, status):
    assert PageSpec().classify(text) == status


def test_bad_page_keys_are_exit_2_before_anything_starts(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(BASE.format(page="  page:\n    spinner: 3\n"), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "paychaos.cli", "run", "scenarios/healthy-baseline.yaml",
                          "--target", str(path), "--report-dir", str(tmp_path / "r")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "checkout.page.spinner" in out.stderr and "Traceback" not in out.stderr
