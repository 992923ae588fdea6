"""The shop's Alipay calls on the official SDK, `alipay-sdk-python` (3.7.1411), used as its README shows:
a DefaultAlipayClient, one *Request and *Response class per API method, and SignatureUtils for the
notification. Its one change is tests/shops/alipay_port.py: the SDK cannot reach a gateway on a port
other than 80/443 (docs/gateway-alipay.md "The official SDK's port")."""

from __future__ import annotations

import json

from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayTradePayModel import AlipayTradePayModel
from alipay.aop.api.domain.AlipayTradeQueryModel import AlipayTradeQueryModel
from alipay.aop.api.domain.AlipayTradeRefundModel import AlipayTradeRefundModel
from alipay.aop.api.request.AlipayTradePayRequest import AlipayTradePayRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.util.SignatureUtils import get_sign_content, verify_with_rsa

from tests.shops import alipay_port

alipay_port.install()


class Client:
    name = "alipay-sdk-python"

    def __init__(self, *, gateway: str, app_id: str, app_private_key: str, alipay_public_key: str, notify_url: str):
        cfg = AlipayClientConfig()
        cfg.server_url, cfg.app_id = gateway, app_id
        cfg.app_private_key, cfg.alipay_public_key = app_private_key, alipay_public_key   # PEM, as read
        self.client = DefaultAlipayClient(cfg)
        self.alipay_public_key = alipay_public_key
        self.notify_url = notify_url

    def trust_every_answer(self) -> None:
        """Planted defect `answer_unverified`: an answer whose signature does not verify is read anyway
        (execute() checks answers with its module's verify_with_rsa; the notification check is separate)."""
        from alipay.aop.api import DefaultAlipayClient as module
        module.verify_with_rsa = lambda *args, **kwargs: True

    def _execute(self, request) -> dict:
        # execute() verifies the answer's signature and returns the *_response object's JSON text
        return json.loads(self.client.execute(request))

    def pay(self, *, out_trade_no: str, total_amount: str, auth_code: str, subject: str, passback: str) -> dict:
        model = AlipayTradePayModel()
        model.out_trade_no, model.total_amount, model.subject = out_trade_no, total_amount, subject
        model.scene, model.auth_code, model.passback_params = "bar_code", auth_code, passback
        request = AlipayTradePayRequest(biz_model=model)
        request.notify_url = self.notify_url
        return self._execute(request)

    def query(self, out_trade_no: str) -> dict:
        model = AlipayTradeQueryModel()
        model.out_trade_no = out_trade_no
        return self._execute(AlipayTradeQueryRequest(biz_model=model))

    def refund(self, *, out_trade_no: str, refund_amount: str, out_request_no: str) -> dict:
        model = AlipayTradeRefundModel()
        model.out_trade_no, model.refund_amount, model.out_request_no = out_trade_no, refund_amount, out_request_no
        return self._execute(AlipayTradeRefundRequest(biz_model=model))

    def verify_notification(self, fields: dict) -> bool:
        data = {k: v for k, v in fields.items() if k not in ("sign", "sign_type")}
        sign = fields.get("sign")
        if not sign:
            return False
        try:
            return verify_with_rsa(self.alipay_public_key, get_sign_content(data).encode("utf-8"), sign)
        except Exception:  # noqa: BLE001 - rsa.VerificationError, a bad base64: not Alipay's signature
            return False

