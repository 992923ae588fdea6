"""牡丹饼屋 (peony): a phone-web mooncake shop on Alipay's mobile cashier (alipay.trade.wap.pay), written on the
official alipay-sdk-python; one gateway. Planted defects: PEONY_DEFECTS=reuse_closed_trade,trust_return,notify_unverified."""
