"""The journal: one JSON line per exchange, appended and flushed as each exchange ends, so memory
stays flat however long a run is. The record shape is fixed in docs/ARCHITECTURE.md.

Also the helpers that turn a request or response body into the record's key fields, with card
numbers masked (`paychaos.common.masking`), and the reader the scorer uses.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from typing import IO
from urllib.parse import parse_qsl, unquote_plus

import orjson

from paychaos.common.errors import InputError
from paychaos.common.masking import SHORTEST_PAN, mask_number, mask_obj

KEY_FIELDS = ("amount", "currency", "payment_method", "customer", "confirm", "capture_method",
              "payment_intent", "charge", "description", "return_url",
              "key")   # stripe.js's publishable key in the body: the customer's browser called (call_kinds.browser_call)
ERROR_KINDS = ("reset", "close", "timeout", "refused", "live_key", "upstream", "not_allowed",
               "inspection_failed", "client_timeout")


class JournalWriter:
    """Appends records to a JSON Lines file (or counts them only, without a path).

    A record is written whole or not at all: a short write (a full disk) is cut back off the file.
    Every record is counted, in `records` when it was written and in `failures` when it was not,
    with the last failure's reason in `last_failure`; the proxy serves these counters on
    `GET /_paychaos/health`, so a run can tell a complete journal from one with holes."""

    def __init__(self, path: str | None):
        self.path = path
        self.seq = 0
        self.records = 0
        self.failures = 0
        self.last_failure: str | None = None
        self._fh: IO[bytes] | None = None
        self._partial = False
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._fh = open(path, "ab", buffering=0)  # noqa: SIM115 (kept open for the run)

    def next_id(self) -> tuple[str, int]:
        self.seq += 1
        return f"j-{self.seq:06d}", self.seq

    def write(self, record: dict) -> bool:
        """Append one record whose strings are already masked: it is built from `request_fields`,
        `webhook_event` and `response_summary`, which mask what they read, and `mask_text` of the raw
        path, query and key (walking the whole record again cost the proxy's hot path ~10%).
        False (and counted) when it could not be written."""
        return self.write_line(json_line(record))

    def write_line(self, line: bytes) -> bool:
        if self._fh is None:
            self.records += 1
            return True
        if self._partial:  # a partial line could not be cut off: end it, so this record stands alone
            line = b"\n" + line
        try:
            written = self._fh.write(line)  # unbuffered: one write(2) per record, whole lines
        except OSError as exc:
            return self._failed(f"{exc.strerror or exc}")
        if written == len(line):
            self.records += 1
            self._partial = False
            return True
        # A short write (the disk filled up mid-line): take the partial line back off the file, so
        # the next record does not continue it.
        try:
            fd = self._fh.fileno()
            os.ftruncate(fd, os.fstat(fd).st_size - (written or 0))
        except OSError:
            self._partial = bool(written)
        return self._failed(f"short write ({written or 0} of {len(line)} bytes): the disk is full")

    def _failed(self, reason: str) -> bool:
        self.failures += 1
        self.last_failure = reason
        return False

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def json_line(record: dict) -> bytes:
    """One record as a UTF-8 JSON line. orjson is several times faster than json on the proxy's hot
    path; what it refuses (an integer beyond 64 bits, say) falls back to json."""
    try:
        return orjson.dumps(record, default=str, option=orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError):
        return (json.dumps(record, default=str, separators=(",", ":")) + "\n").encode("ascii")


def read_journal(path: str, scenario: str | None = None) -> Iterator[dict]:
    """The records of a journal file, in order; only one scenario's when `scenario` is given."""
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read the journal: {exc.strerror}", file=path) from None
    with fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                # The last line may be half-written while the proxy is still running.
                if fh.read(1) == "":
                    return
                raise InputError("not a JSON line", file=path, field=f"line {n}",
                                 valid="one JSON object per line (a paychaos journal)") from None
            if scenario is None or record.get("scenario") == scenario:
                yield record


def request_fields(content_type: str, body: bytes, query: str = "") -> dict:
    """The key fields of a request (form-encoded as Stripe clients send, or JSON), cards masked."""
    text = body.decode("utf-8", "replace") if body else ""
    if "json" in content_type and text:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        data = loaded if isinstance(loaded, dict) else {}
        if "out_trade_no" in data or "out_refund_no" in data:
            data = wechatpay_fields(data)
        out = {k: data[k] for k in KEY_FIELDS if k in data}
        if isinstance(data.get("metadata"), dict):
            out["metadata"] = data["metadata"]
        card = data.get("card")
        if isinstance(card, dict):
            card = card.get("number")
        if isinstance(card, str):
            out["card"] = card
    else:
        out = form_fields(text, query)
        if "amount" in out:
            out["amount"] = _integer(out["amount"])
        # Every key and value is a piece of the body or the query: when neither could hold anything to
        # mask, no piece can, and masking them one by one (most of this function's cost) is skipped.
        if not (_form_may_need_masking(text) or _form_may_need_masking(query)):
            if type(out.get("amount")) is int:   # int() reads "1_000_000_000_000" too
                out["amount"] = mask_number(out["amount"])
            return out
        return mask_obj(out, numbers=True)
    if "amount" in out:
        out["amount"] = _integer(out["amount"])
    return mask_obj(out, numbers=True)


def wechatpay_fields(data: dict) -> dict:
    """A WeChat Pay v3 order or refund body in the journal's terms: `amount` the total (a refund's
    amount), `metadata.order_id` the `attach` (as the WeChat Pay gateway's ledger reads it, else the
    out_trade_no), and the out_trade_no / out_refund_no kept."""
    out = dict(data)
    amount = data.get("amount")
    if isinstance(amount, dict):
        out["amount"] = amount.get("refund", amount.get("total"))
        out["currency"] = str(amount.get("currency", "CNY")).lower()
    order = data.get("attach") or data.get("out_trade_no")
    if isinstance(order, str) and order:
        out["metadata"] = {"order_id": order, "out_trade_no": data.get("out_trade_no")}
    return out


def wechatpay_key(method: str, path: str, body: bytes) -> str | None:
    """WeChat Pay's idempotency key of a POST: its out_refund_no (a refund) or out_trade_no (an order),
    the number that makes a retry the same order or refund; None for anything else."""
    if method != "POST" or not path.startswith("/v3/") or not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    key = data.get("out_refund_no") or data.get("out_trade_no")
    return key if isinstance(key, str) else None


def _integer(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _form_may_need_masking(text: str) -> bool:
    """Whether mask_text could change any key or value form_fields cuts out of this form-encoded text.
    False only when the text, decoded, is ASCII (the masking counts other scripts' digits too), holds
    fewer than 12 digits in all (a card number has 12 at least) and no secret prefix (`k_`, `whsec_`)."""
    if not text:
        return False
    if "%" in text or "+" in text:
        text = unquote_plus(text)   # pairs are split before decoding: each piece decoded is a piece of this
    if not text.isascii():
        return True
    raw = text.encode("ascii")
    return (len(raw) - len(raw.translate(None, b"0123456789")) >= SHORTEST_PAN
            or b"k_" in raw or b"whsec_" in raw)


_KEY_SET = frozenset(KEY_FIELDS)
_CARD_KEYS = frozenset(("payment_method_data[card][number]", "card[number]"))


def form_fields(*texts: str) -> dict:
    """The key fields of form-encoded texts (body, then query; the first value of a key wins, as
    Stripe reads them), `metadata[KEY]` gathered into `metadata`, a raw card number into `card`.
    Pairs are split as `parse_qsl(keep_blank_values=True)` does; plain ones (no `%` or `+`) skip
    the unquoting, which is most of parse_qsl's cost. Not masked yet."""
    out: dict = {}
    for text in texts:
        if not text:
            continue
        for part in text.split("&"):
            if not part:
                continue
            key, _, value = part.partition("=")
            if "%" in part or "+" in part:
                key, value = unquote_plus(key), unquote_plus(value)
            if key in _KEY_SET:
                out.setdefault(key, value)
            elif key.startswith("metadata[") and key.endswith("]"):
                out.setdefault("metadata", {})[key[9:-1]] = value
            elif key in _CARD_KEYS:
                out["card"] = value
            elif key == "method" and value.startswith("alipay."):   # Alipay's OpenAPI: the API method
                out.setdefault("api_method", value)
            elif key == "biz_content":
                _alipay_biz(value, out)
    return out


_ALIPAY_KEYED = {"alipay.trade.pay": "out_trade_no", "alipay.trade.create": "out_trade_no",
                 "alipay.trade.precreate": "out_trade_no", "alipay.trade.refund": "out_request_no"}


def alipay_key(fields: dict) -> str | None:
    """Alipay's idempotency key of a call (what makes a retry the same trade or refund): a payment's
    out_trade_no, a refund's out_request_no (else its out_trade_no, Alipay's default); None otherwise."""
    name = _ALIPAY_KEYED.get(fields.get("api_method") or "")
    if name is None:
        return None
    return fields.get(name) or fields.get("out_trade_no")


def _alipay_biz(text: str, out: dict) -> None:
    """Alipay's `biz_content` (JSON): out_trade_no (also as metadata, so an order is found by it),
    the amount in fen, trade_no and the refund's out_request_no."""
    try:
        biz = json.loads(text)
    except ValueError:
        return
    if not isinstance(biz, dict):
        return
    for key in ("out_trade_no", "trade_no", "out_request_no", "auth_code"):
        if isinstance(biz.get(key), str | int) and not isinstance(biz.get(key), bool):
            out.setdefault(key, str(biz[key]))
    if "out_trade_no" in out:
        out.setdefault("metadata", {}).setdefault("out_trade_no", out["out_trade_no"])
    for key in ("total_amount", "refund_amount"):
        value = biz.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            try:
                out.setdefault("amount", round(float(value) * 100))
            except ValueError:
                pass
            break


def loads(body: bytes):
    """Parsed JSON (orjson, a few times faster than json; json for what orjson refuses, e.g. NaN)."""
    try:
        return orjson.loads(body)
    except ValueError:
        return json.loads(body)


def webhook_event(body: bytes) -> dict | None:
    """{"id", "type", "object_id"} of a Stripe event delivery (or of a WeChat Pay or an Alipay
    notification), or None."""
    if not body.lstrip()[:1] == b"{" and b"notify_type=trade_status_sync" in body[:8192]:
        return _alipay_notification(body)
    try:
        event = loads(body)
    except ValueError:
        return None
    if isinstance(event, dict) and event.get("resource_type") == "encrypt-resource":
        # a WeChat Pay v3 notification: its transaction is encrypted, so only the id and type show
        return mask_obj({"id": event.get("id"), "type": event.get("event_type"), "object_id": None})
    if not isinstance(event, dict) or event.get("object") != "event":
        return None
    obj = (event.get("data") or {}).get("object") or {}
    return mask_obj({"id": event.get("id"), "type": event.get("type"), "object_id": obj.get("id")})


def _alipay_notification(body: bytes) -> dict | None:
    """An Alipay notification (异步通知, a form): its notify_id, trade_status (TRADE_SUCCESS...) as the
    event's type and trade_no as its object, so `match: {event.type: TRADE_SUCCESS}` selects it."""
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return None
    if fields.get("notify_type") != "trade_status_sync":
        return None
    return mask_obj({"id": fields.get("notify_id"), "type": fields.get("trade_status"),
                     "object_id": fields.get("trade_no"), "out_trade_no": fields.get("out_trade_no")})


def response_summary(body: bytes, headers: Mapping[str, str]) -> dict:
    """{"object", "id", "status", "error", "retry_after", "should_retry"} of a gateway answer, masked;
    `headers` looked up by lower-case name."""
    try:
        data = loads(body) if body else None
    except ValueError:
        data = None
    out = {"object": None, "id": None, "status": None, "error": None,
           "retry_after": headers.get("retry-after"), "should_retry": headers.get("stripe-should-retry")}
    if isinstance(data, dict) and "object" not in data and any(str(k).endswith("_response") for k in data):
        _alipay_summary(data, out)
    elif isinstance(data, dict):
        out.update(object=data.get("object"), id=data.get("id"), status=data.get("status"))
        err = data.get("error")
        if isinstance(err, dict):
            out["error"] = {k: err.get(k) for k in ("type", "code", "decline_code")}
            intent = err.get("payment_intent")
            if isinstance(intent, dict):
                out.update(object="payment_intent", id=intent.get("id"), status=intent.get("status"))
    elif body:
        out["malformed"] = True
    if not (_json_may_need_masking(body) or _long(out["retry_after"]) or _long(out["should_retry"])):
        return out   # nothing in the answer could hold a card number or a secret (the usual case)
    return mask_obj(out)


def _long(value: str | None) -> bool:
    return value is not None and len(value) >= SHORTEST_PAN


def _json_may_need_masking(body: bytes) -> bool:
    """Whether mask_text could change any key or string read out of this JSON: True unless the body is
    ASCII without `\\u` escapes (so every character read out of it is one of its own), with fewer than
    12 digits in all and no secret prefix."""
    if not body.isascii() or b"\\u" in body:
        return True
    return (len(body) - len(body.translate(None, b"0123456789")) >= SHORTEST_PAN
            or b"k_" in body or b"whsec_" in body)


def _alipay_summary(data: dict, out: dict) -> None:
    """An Alipay answer `{"alipay_trade_pay_response": {...}, "sign": ...}`: the trade and, for a code
    other than 10000 (success) and 10003 (buyer paying), the error as {type: alipay, code: sub_code}."""
    name = next((k for k in data if k.endswith("_response")), None)
    inner = data.get(name) if name else None
    if not isinstance(inner, dict):
        return
    out.update(object=name[: -len("_response")], id=inner.get("trade_no"),
               status=inner.get("trade_status") or inner.get("code"))
    if str(inner.get("code")) not in ("10000", "10003"):
        out["error"] = {"type": "alipay", "code": inner.get("sub_code") or inner.get("code"),
                        "decline_code": inner.get("sub_code")}
