"""Target files naming each gateway's dialect (`dialect:`), and the placeholders a dialect fills: bad input
is an error naming the file, the field and the valid forms, exit status 2 from the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paychaos.common import dialects
from paychaos.common.errors import InputError
from paychaos.target import parse_target, run_values

BASE = {"name": "t", "base_url": "http://127.0.0.1:{port}", "checkout": {"path": "/c", "outcome": {"status": "$.s"}},
        "start": {"command": ["true"], "env": {}}}


def target(**extra):
    data = {**BASE, **extra}
    return parse_target(data, file="T.yaml")


def test_default_is_stripe_on_both_gateways():
    assert target().dialect_of == {"primary": "stripe", "backup": "stripe"}


def test_one_dialect_for_both_or_one_per_gateway():
    assert target(dialect="alipay").dialect_of == {"primary": "alipay", "backup": "alipay"}
    assert target(dialect={"backup": "alipay"}).dialect_of == {"primary": "stripe", "backup": "alipay"}


@pytest.mark.parametrize("value, field, words", [
    ("alipy", "dialect", "'alipy' is not a gateway dialect; did you mean 'alipay'?"),
    ({"primary": "stripe", "backup": "wechat"}, "dialect.backup", "is not a gateway dialect"),
    ({"secondary": "alipay"}, "dialect.secondary", "unknown gateway 'secondary'"),
    (3, "dialect", "'3' is not a gateway dialect"),
])
def test_a_bad_dialect_names_the_field_and_the_valid_forms(value, field, words):
    with pytest.raises(InputError) as err:
        target(dialect=value)
    text = str(err.value)
    assert f"T.yaml: {field}: " in text and words in text, text
    assert "valid:" in text


def test_alipay_placeholders_need_a_gateway_speaking_alipay():
    env = {"ALIPAY_APP_ID": "{alipay.app_id}"}
    with pytest.raises(InputError) as err:
        target(start={"command": ["true"], "env": env})
    assert "T.yaml: dialect: uses {alipay.app_id}, which only a gateway speaking alipay fills" in str(err.value)
    assert target(dialect={"backup": "alipay"}, start={"command": ["true"], "env": env}).uses("alipay.app_id")


def test_unknown_alipay_placeholder_is_named_with_a_suggestion():
    with pytest.raises(InputError) as err:
        target(dialect="alipay", start={"command": ["true"], "env": {"K": "{alipay.app_key}"}})
    assert "unknown placeholder {alipay.app_key}" in str(err.value)


def test_dialect_values_come_from_the_first_gateway_speaking_it():
    ready = {"primary": {"app_id": "P"}, "backup": {"app_id": "B", "alipay_public_key_file": "/k"}}
    got = dialects.values({"primary": "stripe", "backup": "alipay"}, ready)
    assert got["alipay.app_id"] == "B" and got["alipay.alipay_public_key_file"] == "/k"
    assert dialects.values({"primary": "alipay", "backup": "alipay"}, ready)["alipay.app_id"] == "P"
    assert dialects._lookup({"w": {"mchid": "1"}}, "w.mchid") == "1" and dialects._lookup({}, "w.mchid") is None
    values = run_values(port=1, gateway_url="g", backup_gateway_url="b", webhook_secret="w", dialect_values=got)
    assert values["alipay.app_id"] == "B" and values["gateway_url"] == "g"


def test_cli_exits_2_with_the_message(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("name: t\nbase_url: http://127.0.0.1:9\ndialect: alipy\ncheckout: {path: /c, outcome: {status: $.s}}\n")
    proc = subprocess.run([sys.executable, "-m", "paychaos.cli", "run", "alipay", "--target", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "dialect: 'alipy' is not a gateway dialect; did you mean 'alipay'?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_wechatpay_is_one_entry_beside_stripe_and_alipay():
    assert dialects.NAMES == ("stripe", "alipay", "wechatpay")
    ready = {"primary": {"wechatpay": {"mchid": "1900", "appid": "wx1", "merchant_serial_no": "S1",
                                       "private_key_file": "/k", "apiv3_key_file": "/v3", "cert_dir": "/c"}},
             "backup": {"wechatpay": {"mchid": "other"}}}
    got = dialects.values({"primary": "wechatpay", "backup": "wechatpay"}, ready)
    assert {k: v for k, v in got.items() if k.startswith("wechatpay.")} == {
        "wechatpay.mchid": "1900", "wechatpay.appid": "wx1", "wechatpay.serial_no": "S1",
        "wechatpay.private_key_file": "/k", "wechatpay.apiv3_key_file": "/v3", "wechatpay.cert_dir": "/c"}
    assert got["alipay.app_id"] is None   # no gateway speaks alipay
    with pytest.raises(InputError) as err:
        target(dialect="alipay", start={"command": ["true"], "env": {"K": "{wechatpay.mchid}"}})
    assert "dialect: wechatpay" in str(err.value)


def test_each_gateway_is_started_in_its_dialect_and_only_stripe_takes_the_catalogue():
    from paychaos.runner.gateways import gateway_command

    catalogue = str(Path(__file__).resolve().parents[1] / "shops" / "birch" / "catalogue.yaml")
    t = target(dialect={"primary": "stripe", "backup": "alipay"}, catalogue=catalogue)
    assert gateway_command(t, "primary") == ("gateway", "--catalogue", catalogue)
    assert gateway_command(t, "backup") == ("gateway", "--dialect", "alipay")
    assert gateway_command(target(dialect="wechatpay"), "backup") == ("gateway", "--dialect", "wechatpay")
    with pytest.raises(InputError) as err:
        target(dialect="wechatpay", catalogue=catalogue)
    assert "T.yaml: catalogue: " in str(err.value) and "no gateway of this shop speaks stripe" in str(err.value)


def test_each_dialect_but_stripe_has_its_built_in_scenario_set():
    from paychaos.scenario.load import BUILTIN_SETS, expand_paths

    assert BUILTIN_SETS == ("alipay", "wechatpay")
    for name in BUILTIN_SETS:
        files = expand_paths([name])
        assert files and all(f"/{name}/{name}-" in f for f in files), files
