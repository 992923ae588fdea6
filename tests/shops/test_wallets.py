"""tests/shops/wallets.py, what the wallet shops share: each piece alone (the shops' own tests drive it end to
end through paychaos: test_bamboo, test_jade, test_lotus, test_plum)."""

from __future__ import annotations

import pytest

from paychaos.gateway.alipay import keys
from tests.shops.wallets import (
    UnknownDefect,
    alipay_client,
    alipay_signed,
    json_object,
    planted,
    wallet_app,
    yuan,
)

pytest.importorskip("alipay")


def test_planted_reads_names_and_refuses_an_unknown_one_naming_setting_and_valid_names():
    known = {"paid_on_qr": "...", "never_close": "..."}
    assert planted("OAK_DEFECTS", known, None) == frozenset()
    assert planted("OAK_DEFECTS", known, " never_close, ,paid_on_qr ") == {"never_close", "paid_on_qr"}
    with pytest.raises(UnknownDefect) as caught:
        planted("OAK_DEFECTS", known, "paid_on_qr,zz,bogus")
    assert str(caught.value) == "OAK_DEFECTS: unknown defect(s) bogus, zz; valid: paid_on_qr, never_close"


@pytest.mark.parametrize("fen, said", [(1234, "12.34"), (5, "0.05"), (100, "1.00"), (1, "0.01")])
def test_yuan_has_two_decimals(fen, said):
    assert yuan(fen) == said


@pytest.mark.parametrize("text, read", [('{"code_url": "weixin://x"}', {"code_url": "weixin://x"}), ("", {}),
                                        (None, {}), ("[1, 2]", {}), ("<html>", {}), (b'{"a": 1}', {"a": 1})])
def test_json_object_is_a_dict_whatever_came(text, read):
    assert json_object(text) == read


@pytest.fixture(scope="module")
def alipay_keys(tmp_path_factory):
    """The platform's key (it signs notifications) and the shop's, as files, with the settings naming them."""
    folder = tmp_path_factory.mktemp("alipay-keys")
    platform, app = keys.new_private_key(), keys.new_private_key()
    (folder / "app.pem").write_text(keys.private_pem(app))
    (folder / "alipay_public.pem").write_text(keys.public_pem(platform.public_key()))
    env = {"ALIPAY_APP_ID": "2021000000000001", "ALIPAY_GATEWAY_URL": "http://127.0.0.1:9/gateway.do",
           "ALIPAY_APP_PRIVATE_KEY_FILE": str(folder / "app.pem"),
           "ALIPAY_PUBLIC_KEY_FILE": str(folder / "alipay_public.pem")}
    return platform, env


def signed_notice(platform, **fields) -> dict:
    base = {"app_id": "2021000000000001", "out_trade_no": "ZFBo_1", "total_amount": "12.34",
            "trade_status": "TRADE_SUCCESS", "charset": "utf-8", "sign_type": "RSA2", **fields}
    return {**base, "sign": keys.sign(platform, keys.sign_content(base, drop=("sign", "sign_type")))}


def test_alipay_client_is_the_sdk_at_the_configured_gateway(alipay_keys, monkeypatch):
    _, env = alipay_keys
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ali = alipay_client("http://127.0.0.1:5000/notify/alipay")
    assert (ali.appid, ali._gateway, ali._app_notify_url) == (
        "2021000000000001", "http://127.0.0.1:9/gateway.do", "http://127.0.0.1:5000/notify/alipay")


def test_alipay_signed_holds_only_for_alipays_signature_over_these_fields(alipay_keys, monkeypatch):
    platform, env = alipay_keys
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ali = alipay_client("http://127.0.0.1:5000/notify/alipay")
    notice = signed_notice(platform)
    assert alipay_signed(ali, notice)
    assert notice["sign"] and notice["sign_type"] == "RSA2"      # the caller's fields are left as they were
    assert not alipay_signed(ali, {**notice, "total_amount": "0.01"})
    assert not alipay_signed(ali, {k: v for k, v in notice.items() if k != "sign"})
    assert not alipay_signed(ali, signed_notice(keys.new_private_key()))   # someone else's key
    assert not alipay_signed(ali, {**notice, "sign": "not base64 at all!"})   # no exception either
    assert not alipay_signed(ali, {**notice, "sign_type": "RSA"})             # the SDK raises on it


def test_wallet_app_has_the_shared_routes_and_only_the_notifications_it_takes():
    seen = []

    def checkout(body):
        seen.append(body)
        return {"status": "pending", "message": "请扫码付款"}

    def wechat(headers, body):
        seen.append((headers.get("Wechatpay-Serial"), body))
        return 400, {"code": "FAIL", "message": "签名验证失败"}

    client = wallet_app("oak", checkout, wechat_notice=wechat, alipay_notice=lambda form: f"success {form['a']}"
                        ).test_client()
    assert client.get("/healthz").get_json() == {"ok": True}
    answer = client.post("/api/checkout", json={"order_id": "o1", "amount": 100})
    assert answer.get_json() == {"status": "pending", "message": "请扫码付款"}
    assert "请扫码付款" in answer.get_data(as_text=True)                      # Chinese as it is, not \u escapes
    client.post("/api/checkout", json=[1, 2])
    client.post("/api/checkout", data="not json")
    assert seen == [{"order_id": "o1", "amount": 100}, {}, {}]
    answer = client.post("/notify/wechat", data='{"id": "n1"}', headers={"Wechatpay-Serial": "S1"})
    assert (answer.status_code, answer.get_json()["code"], seen[-1]) == (400, "FAIL", ("S1", '{"id": "n1"}'))
    answer = client.post("/notify/alipay", data={"a": "1"})
    assert (answer.status_code, answer.get_data(as_text=True), answer.mimetype) == (200, "success 1", "text/plain")
    bare = wallet_app("oak", checkout).test_client()
    assert bare.post("/notify/wechat", data="{}").status_code == 404
    assert bare.post("/notify/alipay", data={"a": "1"}).status_code == 404
