"""The fake WeChat Pay v3 gateway (docs/gateway-wechatpay.md): the dialect `wechatpayv3` speaks, with the
money it moves kept in the ledger shape every paychaos gateway shares (docs/ARCHITECTURE.md)."""
