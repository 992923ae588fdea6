"""Reading proxy journal records (docs/ARCHITECTURE.md): which exchange tried to move money, how it
ended for the client, what the gateway asked for (Retry-After), and which order it belongs to.
"""

from __future__ import annotations

import re

from paychaos.common import call_kinds

# Decline codes whose documented next step is "try again" (stripe-facts.md); every other card error
# is a hard decline that must not be reattempted.
SOFT_DECLINES = frozenset({"approve_with_id", "issuer_not_available", "processing_error",
                           "reenter_transaction", "try_again_later"})

_OBJECT_ID = re.compile(r"/(pi|ch|re|pm|cus|evt|in|py)_[A-Za-z0-9_]+")
_INTENT_IN_PATH = re.compile(r"/v1/payment_intents/(pi_[A-Za-z0-9_]+)")
_CONFIRM = re.compile(r"^/v1/payment_intents/[^/]+/confirm$")


def to_gateway(rec: dict) -> bool:
    """A call meant for a gateway. Not a request forward mode refused for naming another host
    (`error: not_allowed`, e.g. the browser's own calls home): it never reached any gateway."""
    return rec.get("direction", "to_gateway") == "to_gateway" and rec.get("error") != "not_allowed"


def started(rec: dict) -> float:
    return float(rec.get("t_start") or 0.0)


def ended(rec: dict) -> float:
    """When the client had its answer (or gave up): t_end, else the first byte, else the start."""
    for key in ("t_end", "t_first_byte", "t_start"):
        if rec.get(key) is not None:
            return float(rec[key])
    return 0.0


def endpoint(rec: dict) -> str:
    """'POST /v1/payment_intents/{id}/confirm': the method and path with object ids folded."""
    return f"{rec.get('method', '')} {_OBJECT_ID.sub('/{id}', rec.get('path') or '')}"


def request(rec: dict) -> dict:
    return rec.get("request") or {}


def by_browser(rec: dict) -> bool:
    """A call the customer's browser made (hosted page, stripe.js confirm or retrieve): not the merchant's."""
    req = request(rec)
    if req.get("api_method") in call_kinds.ALIPAY_BROWSER_METHODS:
        return to_gateway(rec)
    return to_gateway(rec) and call_kinds.browser_call(rec.get("path") or "", rec.get("query") or "",
                                                      req.get("return_url"), req.get("key"))


def response(rec: dict) -> dict:
    return rec.get("response") or {}


def _truthy(value) -> bool:
    return str(value).lower() in ("true", "1", "yes")


def is_charge_attempt(rec: dict) -> bool:
    """A POST that asks the gateway to take money: a confirming create, a confirm, a charge (Alipay:
    a barcode payment, alipay.trade.pay)."""
    if request(rec).get("api_method") == "alipay.trade.pay":
        return to_gateway(rec)
    if not to_gateway(rec) or rec.get("method") != "POST":
        return False
    path = (rec.get("path") or "").rstrip("/")
    if path == "/v1/payment_intents":
        return _truthy(request(rec).get("confirm"))
    return bool(_CONFIRM.match(path)) or path == "/v1/charges"


def is_lookup(rec: dict) -> bool:
    """A call that only reads (Alipay's alipay.trade.query is a POST): no Idempotency-Key needed."""
    return call_kinds.call_kind(rec.get("method") or "", rec.get("path") or "", rec.get("upstream") or "primary",
                                request(rec).get("api_method")) == "lookup"


def fault_names(rec: dict) -> set[str]:
    return {f.get("fault") for f in rec.get("faults") or [] if isinstance(f, dict)}


def outcome(rec: dict) -> str:
    """ok | card_error | transient | unknown | auth | rejected, as the client experienced it.

    transient: no answer (reset, close, timeout, refused), 409, 429 or 5xx: worth another try.
    unknown: a 2xx whose body could not be read (malformed): the outcome must be looked up.
    """
    status = rec.get("status")
    if status is None or rec.get("error"):
        return "transient"
    status = int(status)
    if 200 <= status < 300 and response(rec).get("object", "") and _ALIPAY_OBJECT.match(response(rec)["object"]):
        return alipay_outcome(rec)
    if 200 <= status < 300:
        if response(rec).get("malformed") or "malformed" in fault_names(rec):
            return "unknown"
        return "ok"
    if status == 402 or (response(rec).get("error") or {}).get("type") == "card_error":
        return "card_error"
    if status in (409, 429) or status >= 500:
        return "transient"
    if status in (401, 403):
        return "auth"
    return "rejected"


# -- Alipay (docs/gateway-alipay.md): every answer is HTTP 200; `code` and `sub_code` say how it went --------
_ALIPAY_OBJECT = re.compile(r"^(alipay|error)(_[a-z]+)*$")
ALIPAY_TRANSIENT = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "ACQ.FREQUENCY_LIMITED",
                              "isp.unknow-error", "20000"})
ALIPAY_BUYER = frozenset({"ACQ.PAYMENT_AUTH_CODE_INVALID", "ACQ.PAYMENT_FAIL", "ACQ.ERROR_BALANCE_PAYMENT_DISABLE",
                          "ACQ.PULL_MOBILE_CASHIER_FAIL", "ACQ.PAYMENT_REQUEST_HAS_RISK"})
ALIPAY_AUTH = frozenset({"isv.invalid-signature", "isv.invalid-app-id", "isv.insufficient-isv-permissions",
                         "40006"})


def alipay_outcome(rec: dict) -> str:
    """An Alipay answer as the merchant experienced it: 10000 ok; 10003 (buyer still paying) unknown;
    ACQ.SYSTEM_ERROR and rate limits transient; the buyer's failures (ACQ.BUYER_*) card_error;
    ACQ.TRADE_HAS_SUCCESS ok (the order is already paid); signature and app errors auth; the rest rejected."""
    resp = response(rec)
    err = resp.get("error") or {}
    if not err:
        return "unknown" if str(resp.get("status")) == "10003" else "ok"
    code = str(err.get("code") or "")
    if code in ALIPAY_TRANSIENT:
        return "transient"
    if code == "ACQ.TRADE_HAS_SUCCESS":
        return "ok"
    if code.startswith("ACQ.BUYER_") or code in ALIPAY_BUYER:
        return "card_error"
    if code in ALIPAY_AUTH:
        return "auth"
    return "rejected"


def needs_follow_up(rec: dict) -> bool:
    return outcome(rec) in ("transient", "unknown")


def decline_code(rec: dict) -> str | None:
    err = response(rec).get("error") or {}
    return err.get("decline_code") or err.get("code")


def is_hard_decline(rec: dict) -> bool:
    return outcome(rec) == "card_error" and decline_code(rec) not in SOFT_DECLINES


def retry_after_s(rec: dict) -> float | None:
    value = response(rec).get("retry_after")
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def order_hint(rec: dict) -> str | None:
    """metadata.order_id of the request, as the journal records it."""
    req = request(rec)
    meta = req.get("metadata")
    if isinstance(meta, dict) and meta.get("order_id"):
        return str(meta["order_id"])
    value = req.get("metadata[order_id]")
    return str(value) if value else None


def intent_ids(rec: dict) -> set[str]:
    """PaymentIntent ids the exchange names: in its path, its request, its answer or its event."""
    ids = set(_INTENT_IN_PATH.findall(rec.get("path") or ""))
    pi = request(rec).get("payment_intent")
    if isinstance(pi, str) and pi:
        ids.add(pi)
    resp = response(rec)
    if (resp.get("object") == "payment_intent" or str(resp.get("object")).startswith("alipay_trade")) \
            and resp.get("id"):
        ids.add(resp["id"])
    event = rec.get("event") or {}
    if str(event.get("object_id") or "").startswith("pi_"):
        ids.add(event["object_id"])
    return ids
