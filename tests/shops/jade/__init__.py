"""翠玉茶庄 (Jade Tea House): a small shop written with the official WeChat Pay v3 SDK (wechatpayv3),
unmodified but for the gateway address and keys. H5 payments: the customer is sent to WeChat's pay
page, comes back to /pay/return, and the shop asks WeChat Pay what happened; notifications settle the
order too. Chinese UI. Planted defects: JADE_DEFECTS=a,b (see defects in app.py)."""
