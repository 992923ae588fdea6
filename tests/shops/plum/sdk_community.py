"""The shop's Alipay calls on the community SDK, `python-alipay-sdk` (3.4.0), used as its README shows.
The one setting it has no constructor argument for is the gateway URL (`_gateway`)."""

from __future__ import annotations

from alipay import AliPay

from tests.shops.wallets import alipay_signed


class Client:
    name = "python-alipay-sdk"

    def __init__(self, *, gateway: str, app_id: str, app_private_key: str, alipay_public_key: str, notify_url: str):
        self.ali = AliPay(appid=app_id, app_notify_url=notify_url, app_private_key_string=app_private_key,
                          alipay_public_key_string=alipay_public_key, sign_type="RSA2")
        self.ali._gateway = gateway

    def trust_every_answer(self) -> None:
        """Planted defect `answer_unverified`: an answer whose signature does not verify is read anyway."""
        self.ali._verify = lambda content, sign: True

    def pay(self, *, out_trade_no: str, total_amount: str, auth_code: str, subject: str, passback: str) -> dict:
        return self.ali.api_alipay_trade_pay(out_trade_no=out_trade_no, scene="bar_code", auth_code=auth_code,
                                             subject=subject, total_amount=total_amount,
                                             passback_params=passback)

    def query(self, out_trade_no: str) -> dict:
        return self.ali.api_alipay_trade_query(out_trade_no=out_trade_no)

    def refund(self, *, out_trade_no: str, refund_amount: str, out_request_no: str) -> dict:
        return self.ali.api_alipay_trade_refund(refund_amount, out_trade_no=out_trade_no,
                                                out_request_no=out_request_no)

    def verify_notification(self, fields: dict) -> bool:
        return alipay_signed(self.ali, fields)
