"""Test amounts: the order's `amount.total` (fen) chooses what goes wrong, as test cards do on the
Stripe gateway. Amounts outside 900100..901399 behave normally; the default customer amounts of a
scenario (500..50000) never reach these bands. `total // 100` names the band:

| band (total)      | cause                  | what the gateway does                                            |
|-------------------|------------------------|------------------------------------------------------------------|
| 900100..900199    | SYSTEM_ERROR           | the first order call for an out_trade_no answers 500 SYSTEM_ERROR |
| 900200..900299    | FREQUENCY_LIMITED      | the first order call for an out_trade_no answers 429              |
| 900300..900399    | SIGN_ERROR             | every order call answers 401 SIGN_ERROR                           |
| 900400..900499    | NOTENOUGH              | the customer's payment fails: PAYERROR "余额不足"                  |
| 900500..900599    | account frozen         | the customer's payment fails: PAYERROR "支付账户被冻结或异常"       |
| 900600..900699    | ORDER_NOT_EXIST, paid  | paid, but the first 2 queries after payment answer 404            |
| 900700..900799    | duplicated notification| every notification is delivered twice                             |
| 900800..900899    | late notification      | the notification leaves 2 s (x the schedule's scale x 100) late    |
| 900900..900999    | unsigned notification  | payment fails (PAYERROR) and an unsigned TRANSACTION.SUCCESS comes |
| 901000..901099    | forged notification    | payment fails (PAYERROR) and a TRANSACTION.SUCCESS signed by another key comes |
| 901100..901199    | answer lost after money| a refund is made, and its answer is 500 SYSTEM_ERROR              |
| 901300..901399    | ORDERCLOSED            | the order's time runs out as the customer pays: the page says 订单已关闭, the query CLOSED, an order call again 400 ORDERCLOSED |
"""

from __future__ import annotations

SYSTEM_ERROR = 9001
FREQUENCY_LIMITED = 9002
SIGN_ERROR = 9003
NOTENOUGH = 9004
FROZEN = 9005
NOT_EXIST_WHILE_PAID = 9006
NOTIFY_DUPLICATE = 9007
NOTIFY_LATE = 9008
NOTIFY_UNSIGNED = 9009
NOTIFY_FORGED = 9010
REFUND_ANSWER_LOST = 9011
ORDER_CLOSED = 9013   # 9012 is the Alipay fake's "answer lost after the money moved"

HIDDEN_LOOKUPS = 2   # queries answered ORDER_NOT_EXIST after payment (band 9006)

# The customer's payment failing: trade_state_desc (and the code the pay page shows)
PAY_FAILURES = {
    NOTENOUGH: ("NOTENOUGH", "余额不足"),
    FROZEN: ("ACCOUNT_FROZEN", "支付账户被冻结或异常"),
    NOTIFY_UNSIGNED: ("NOTENOUGH", "余额不足"),
    NOTIFY_FORGED: ("NOTENOUGH", "余额不足"),
}
# What a pay request can name instead of leaving it to the amount (POST /_sim/wechatpay/pay "result")
RESULTS = ("SUCCESS", "NOTENOUGH", "ACCOUNT_FROZEN", "CANCEL")
RESULT_DESC = {"NOTENOUGH": "余额不足", "ACCOUNT_FROZEN": "支付账户被冻结或异常"}


def band(total: int) -> int:
    return total // 100
