"""The official wechatpayv3 SDK, unmodified but for its gateway URL, against the fake over HTTP:
every order type, queries, close, refunds, signatures both ways, platform certificates."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3 import WeChatPayType

from paychaos.gateway.wechatpay.testing import customer_pays, get_ledger, rotate_certificate

from .conftest import make_client

H5_SCENE = {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}}


def _json(answer):
    code, text = answer
    return code, (json.loads(text) if text else None)


def test_every_order_type_gets_its_prepay_answer(wx):
    code, body = _json(wx.pay(description="灯笼", out_trade_no="N-0001", amount={"total": 1299}))
    assert code == 200 and body["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    code, body = _json(wx.pay(description="灯笼", out_trade_no="H-0001", amount={"total": 1299},
                              pay_type=WeChatPayType.H5, scene_info=H5_SCENE))
    assert code == 200 and "/pay/wx/checkmweb?prepay_id=wx" in body["h5_url"]
    code, body = _json(wx.pay(description="灯笼", out_trade_no="J-0001", amount={"total": 1299},
                              pay_type=WeChatPayType.JSAPI, payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}))
    assert code == 200 and body["prepay_id"].startswith("wx")
    code, body = _json(wx.pay(description="灯笼", out_trade_no="A-0001", amount={"total": 1299},
                              pay_type=WeChatPayType.APP))
    assert code == 200 and body["prepay_id"].startswith("wx")


def test_jsapi_without_openid_is_a_param_error(wx):
    code, body = _json(wx.pay(description="灯笼", out_trade_no="J-0002", amount={"total": 100},
                              pay_type=WeChatPayType.JSAPI, payer={"openid": ""}))
    assert code == 400 and body["code"] == "PARAM_ERROR" and body["detail"]["field"] == "payer.openid"


def test_paid_order_is_found_by_out_trade_no_and_by_transaction_id(wechat, wx):
    _, placed = _json(wx.pay(description="灯笼", out_trade_no="N-0002", amount={"total": 2500}))
    code, body = _json(wx.query(out_trade_no="N-0002"))
    assert code == 200 and body["trade_state"] == "NOTPAY" and "transaction_id" not in body
    paid = customer_pays(wechat.url, code_url=placed["code_url"])
    assert paid["paid"] is True
    code, by_no = _json(wx.query(out_trade_no="N-0002"))
    assert code == 200 and by_no["trade_state"] == "SUCCESS" and by_no["amount"]["payer_total"] == 2500
    code, by_id = _json(wx.query(transaction_id=by_no["transaction_id"]))
    assert code == 200 and by_id["out_trade_no"] == "N-0002"
    code, body = _json(wx.query(out_trade_no="N-9999"))
    assert code == 404 and body["code"] == "ORDER_NOT_EXIST"


def test_same_out_trade_no_again(wechat, wx):
    first = _json(wx.pay(description="灯笼", out_trade_no="N-0003", amount={"total": 700}))
    assert _json(wx.pay(description="灯笼", out_trade_no="N-0003", amount={"total": 700})) == first
    code, body = _json(wx.pay(description="灯笼", out_trade_no="N-0003", amount={"total": 701}))
    assert code == 403 and body["code"] == "OUT_TRADE_NO_USED"
    customer_pays(wechat.url, out_trade_no="N-0003")
    code, body = _json(wx.pay(description="灯笼", out_trade_no="N-0003", amount={"total": 700}))
    assert code == 400 and body["code"] == "ORDERPAID"


def test_close_then_order_again_is_orderclosed(wechat, wx):
    wx.pay(description="灯笼", out_trade_no="N-0004", amount={"total": 800})
    code, _ = wx.close(out_trade_no="N-0004")
    assert code == 204
    assert _json(wx.query(out_trade_no="N-0004"))[1]["trade_state"] == "CLOSED"
    code, body = _json(wx.pay(description="灯笼", out_trade_no="N-0004", amount={"total": 800}))
    assert code == 400 and body["code"] == "ORDERCLOSED"
    assert customer_pays(wechat.url, out_trade_no="N-0004")["paid"] is False


def test_refund_and_refund_query_move_money_back_in_the_ledger(wechat, wx):
    wx.pay(description="灯笼", out_trade_no="N-0005", amount={"total": 3000})
    customer_pays(wechat.url, out_trade_no="N-0005")
    code, refund = _json(wx.refund(out_refund_no="RF-0005", amount={"refund": 1000, "total": 3000, "currency": "CNY"},
                                   out_trade_no="N-0005"))
    assert code == 200 and refund["status"] == "SUCCESS" and refund["amount"]["refund"] == 1000
    assert _json(wx.query_refund(out_refund_no="RF-0005"))[1]["refund_id"] == refund["refund_id"]
    # the same out_refund_no again is the same refund, not a second one
    assert _json(wx.refund(out_refund_no="RF-0005", amount={"refund": 1000, "total": 3000, "currency": "CNY"},
                           out_trade_no="N-0005"))[1]["refund_id"] == refund["refund_id"]
    code, body = _json(wx.refund(out_refund_no="RF-0006", amount={"refund": 2500, "total": 3000, "currency": "CNY"},
                                 out_trade_no="N-0005"))
    assert code == 403 and body["code"] == "NOT_ENOUGH"
    money = get_ledger(wechat.url)["money"]
    assert money["by_intent"]["N-0005"] == {"captured": 3000, "refunded": 1000, "net": 2000, "currency": "cny"}
    assert money["currency_totals"]["cny"]["net"] == 2000


def test_a_request_signed_with_another_key_is_sign_error(wechat):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    wx = make_client(wechat, private_key=pem)
    code, body = _json(wx.pay(description="灯笼", out_trade_no="N-0007", amount={"total": 100}))
    assert code == 401 and body["code"] == "SIGN_ERROR"
    assert get_ledger(wechat.url)["payment_intents"] == []


def test_wrong_serial_and_wrong_mchid_are_refused(wechat):
    code, body = _json(make_client(wechat, cert_serial_no="ABCDEF").query(out_trade_no="N-0001"))
    assert code == 401 and body["code"] == "SIGN_ERROR"
    code, body = _json(make_client(wechat, mchid="1900000999").query(out_trade_no="N-0001"))
    assert code == 401 and body["code"] == "SIGN_ERROR"


def test_answers_are_signed_by_the_platform_and_a_rotated_certificate_is_fetched(wechat, wx, tmp_path):
    # the SDK verifies every 2xx answer itself and raises when the signature does not check out
    assert wx.pay(description="灯笼", out_trade_no="N-0008", amount={"total": 100})[0] == 200
    serial = rotate_certificate(wechat.url)
    # an answer signed with a certificate the SDK has not seen: it downloads /v3/certificates, decrypts
    # them with the APIv3 key, and accepts the answer
    assert wx.query(out_trade_no="N-0008")[0] == 200
    assert int(serial, 16) in {c.serial_number for c in wx._core._certificates}


def test_certificates_download_needs_the_right_apiv3_key(wechat):
    wx = make_client(wechat, apiv3_key="x" * 32)
    wx._core._certificates.clear()
    wx._core._update_certificates()
    assert wx._core._certificates == []   # GCM tag fails: the certificates stay secret
    rotate_certificate(wechat.url)
    with pytest.raises(Exception, match="verify the signature"):
        # an answer signed by a certificate the SDK could not decrypt: refused (only 2xx are checked)
        wx.pay(description="灯笼", out_trade_no="N-0009", amount={"total": 100})
