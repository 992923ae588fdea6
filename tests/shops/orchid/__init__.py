"""兰心手机馆 (Orchid phone shop): a phone-web shop whose only way to pay is WeChat Pay H5 (wechatpayv3). The
phone is sent to WeChat's pay page and comes back to the shop, which asks WeChat Pay what happened. Chinese
UI and state words. Planted defects: ORCHID_DEFECTS=a,b (see DEFECTS in app.py)."""
