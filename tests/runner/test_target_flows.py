"""Target file: `checkout.flow`, its outcome keys and `publishable_key` (docs/flows/)."""

from __future__ import annotations

import pytest

from paychaos.common.errors import InputError
from paychaos.target import DEFAULT_PUBLISHABLE_KEY, load_target

BASE = """\
name: shop
base_url: "http://127.0.0.1:8000"
checkout:
  path: /checkout
{extra}  outcome:
    status: "$.status"
{outcome}"""


def load(tmp_path, extra: str = "", outcome: str = "", top: str = ""):
    path = tmp_path / "target.yaml"
    path.write_text(top + BASE.format(extra=extra, outcome=outcome), encoding="utf-8")
    return load_target(str(path))


def error(tmp_path, **parts) -> str:
    with pytest.raises(InputError) as info:
        load(tmp_path, **parts)
    return str(info.value)


def test_the_flow_is_server_by_default_and_the_shop_knows_it(tmp_path):
    target = load(tmp_path)
    assert target.flow == target.shop.flow == "server"
    assert target.publishable_key == DEFAULT_PUBLISHABLE_KEY


def test_client_secret_flow_reads_its_path_and_key(tmp_path):
    target = load(tmp_path, extra="  flow: client_secret\n", outcome='    client_secret: "$.pi.secret"\n',
                  top="publishable_key: pk_test_abc\n")
    assert (target.flow, target.outcome.client_secret, target.publishable_key) == \
        ("client_secret", "$.pi.secret", "pk_test_abc")
    assert target.shop.flow == "client_secret"


def test_redirect_flow_takes_a_header_or_a_json_path(tmp_path):
    assert load(tmp_path, extra="  flow: redirect\n",
                outcome="    redirect_url: header.Location\n").outcome.redirect_url == "header.Location"


def test_an_unknown_flow_names_the_field_and_the_valid_ones(tmp_path):
    message = error(tmp_path, extra="  flow: client-secret\n")
    assert "checkout.flow" in message and "did you mean 'client_secret'" in message
    assert "server, client_secret, redirect" in message


def test_a_flow_key_under_another_flow_is_refused(tmp_path):
    message = error(tmp_path, outcome='    client_secret: "$.clientSecret"\n')
    assert "checkout.outcome.client_secret" in message and "flow: client_secret" in message
    message = error(tmp_path, extra="  flow: client_secret\n", outcome="    redirect_url: $.url\n")
    assert "checkout.outcome.redirect_url" in message


def test_a_live_or_secret_key_is_no_publishable_key(tmp_path):
    for key in ("pk_live_abc", "sk_test_abc"):
        message = error(tmp_path, top=f"publishable_key: {key}\n")
        assert "publishable_key" in message and "pk_test_" in message


def test_a_client_secret_path_must_be_a_json_path(tmp_path):
    message = error(tmp_path, extra="  flow: client_secret\n", outcome="    client_secret: clientSecret\n")
    assert "checkout.outcome.client_secret" in message and "not a JSON path" in message


def test_qr_flow_reads_its_path_or_looks_in_the_usual_places(tmp_path):
    target = load(tmp_path, extra="  flow: qr\n")
    assert (target.flow, target.shop.flow, target.outcome.qr) == ("qr", "qr", None)
    assert load(tmp_path, extra="  flow: qr\n", outcome='    qr: "$.pay.code_url"\n').outcome.qr == "$.pay.code_url"
    assert load(tmp_path, extra="  flow: qr\n", outcome="    qr: header.X-Qr\n").outcome.qr == "header.X-Qr"


def test_a_qr_path_is_refused_under_another_flow_or_in_another_form(tmp_path):
    message = error(tmp_path, extra="  flow: redirect\n", outcome='    qr: "$.qr"\n')
    assert "checkout.outcome.qr" in message and "flow: qr" in message
    message = error(tmp_path, extra="  flow: qr\n", outcome="    qr: code_url\n")
    assert "checkout.outcome.qr" in message and "JSON path" in message


def test_the_unknown_flow_message_offers_qr(tmp_path):
    message = error(tmp_path, extra="  flow: QR-code\n")
    assert "checkout.flow" in message and "qr" in message.split("valid", 1)[-1]
