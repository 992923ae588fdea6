"""Scoring reads Alipay's answers (HTTP 200 whatever happened; `code` and `sub_code` say how it went), from
journal records as the proxy writes them (paychaos.proxies.journal.response_summary of Alipay's body)."""

from __future__ import annotations

import json

import pytest

from paychaos.proxies.journal import alipay_key, request_fields, response_summary
from paychaos.scoring import exchanges as ex


def record(inner: dict, api_method: str = "alipay.trade.pay", status: int = 200) -> dict:
    body = json.dumps({api_method.replace(".", "_") + "_response": inner, "sign": "x"}).encode()
    biz = json.dumps({"out_trade_no": "ord-1", "total_amount": "12.99", "auth_code": "pm_card_visa"})
    return {"direction": "to_gateway", "method": "POST", "path": "/gateway.do", "status": status,
            "request": request_fields("application/x-www-form-urlencoded", f"method={api_method}&biz_content={biz}"
                                      .encode()),
            "response": response_summary(body, {})}


@pytest.mark.parametrize("inner, expected", [
    ({"code": "10000", "msg": "Success", "trade_no": "2026"}, "ok"),
    ({"code": "10003", "msg": "order success pay inprocess"}, "unknown"),
    ({"code": "40004", "sub_code": "ACQ.SYSTEM_ERROR"}, "transient"),
    ({"code": "40004", "sub_code": "ACQ.FREQUENCY_LIMITED"}, "transient"),
    ({"code": "20000", "sub_code": "isp.unknow-error"}, "transient"),
    ({"code": "40004", "sub_code": "ACQ.BUYER_BALANCE_NOT_ENOUGH"}, "card_error"),
    ({"code": "40004", "sub_code": "ACQ.BUYER_ENABLE_STATUS_FORBID"}, "card_error"),
    ({"code": "40004", "sub_code": "ACQ.TRADE_HAS_SUCCESS", "trade_no": "2026"}, "ok"),
    ({"code": "40002", "sub_code": "isv.invalid-signature"}, "auth"),
    ({"code": "40004", "sub_code": "ACQ.TRADE_NOT_EXIST"}, "rejected"),
])
def test_alipay_answers_are_read_by_code_and_sub_code(inner, expected):
    assert ex.outcome(record(inner)) == expected


def test_system_error_is_never_a_success_and_needs_a_follow_up():
    rec = record({"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.SYSTEM_ERROR", "sub_msg": "系统繁忙"})
    assert ex.outcome(rec) != "ok" and ex.needs_follow_up(rec)


def test_a_buyer_failure_is_a_hard_decline_and_pay_is_a_charge_attempt_but_query_a_lookup():
    rec = record({"code": "40004", "sub_code": "ACQ.BUYER_BALANCE_NOT_ENOUGH"})
    assert ex.is_hard_decline(rec) and ex.decline_code(rec) == "ACQ.BUYER_BALANCE_NOT_ENOUGH"
    assert ex.is_charge_attempt(rec) and not ex.is_lookup(rec)
    query = record({"code": "10000", "trade_status": "TRADE_SUCCESS"}, "alipay.trade.query")
    assert ex.is_lookup(query) and not ex.is_charge_attempt(query)


def test_the_out_trade_no_is_the_idempotency_key_and_the_refund_its_out_request_no():
    assert alipay_key(record({"code": "10000"})["request"]) == "ord-1"
    refund = request_fields("application/x-www-form-urlencoded", (
        "method=alipay.trade.refund&biz_content=" + json.dumps({"out_trade_no": "ord-1", "refund_amount": "1.00",
                                                               "out_request_no": "ord-1-refund"})).encode())
    assert alipay_key(refund) == "ord-1-refund"
    query = request_fields("application/x-www-form-urlencoded", b'method=alipay.trade.query&biz_content={"out_trade_no":"o"}')
    assert alipay_key(query) is None


def test_a_stripe_answer_is_read_as_before():
    body = json.dumps({"object": "payment_intent", "id": "pi_1", "status": "succeeded"}).encode()
    rec = {"direction": "to_gateway", "method": "POST", "path": "/v1/payment_intents", "status": 200,
           "request": {"confirm": "true"}, "response": response_summary(body, {})}
    assert ex.outcome(rec) == "ok" and ex.is_charge_attempt(rec)


def test_alipay_methods_on_one_path_are_different_operations_for_the_retry_storm_count():
    from paychaos.scoring.rules.retry import operation

    pay_op = operation(record({"code": "10000"}))
    query_op = operation(record({"code": "10000", "trade_status": "TRADE_SUCCESS"}, "alipay.trade.query"))
    assert pay_op != query_op and pay_op == ("primary", "POST /gateway.do alipay.trade.pay")
    assert operation({"method": "POST", "path": "/v1/payment_intents"}) == ("primary", "POST /v1/payment_intents")
