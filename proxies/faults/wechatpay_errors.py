"""Made-up answers in WeChat Pay v3's shape: a fault that answers a `/v3/...` call (WeChat Pay's API,
docs/gateway-wechatpay.md) answers as WeChat Pay would, `{"code": "SYSTEM_ERROR", "message": "..."}`,
instead of Stripe's `{"error": {...}}`, so the merchant's error handling meets the words it knows."""

from __future__ import annotations

_BY_STATUS = {429: ("FREQUENCY_LIMITED", "频率超限"), 401: ("SIGN_ERROR", "签名错误"),
              403: ("NO_AUTH", "商户无权限"), 404: ("RESOURCE_NOT_EXISTS", "资源不存在")}


def is_wechatpay(path: str) -> bool:
    return path.startswith("/v3/")


def adapt(path: str, status: int, stripe_body: dict) -> dict:
    """The body to answer with: WeChat Pay's shape for a /v3 call, else the Stripe body as given."""
    if not is_wechatpay(path):
        return stripe_body
    if status >= 500:
        code, message = "SYSTEM_ERROR", "系统错误"
    else:
        code, message = _BY_STATUS.get(status, ("INVALID_REQUEST", "请求参数错误"))
    return {"code": code, "message": f"{message} (paychaos {status})"}
