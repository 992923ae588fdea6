"""The fake Alipay OpenAPI gateway (docs/gateway-alipay.md): `alipay.trade.*` over `/gateway.do`, RSA2
signatures both ways, signed asynchronous notifications, and `/_sim` in the shape the Stripe fake serves."""
