"""Payment and refund notifications (支付通知 / 退款通知) as WeChat Pay v3 sends them: a JSON body with
the transaction encrypted (AEAD_AES_256_GCM, APIv3 key) in `resource`, signed with the platform key in
the Wechatpay-* headers, POSTed to the order's notify_url (or to the endpoint `/_sim/webhooks` names:
the proxy's webhooks listener in a run). Retried on WeChat's schedule, 15s/15s/30s/3m/10m/20m/30m/30m/
30m/60m/3h/3h/3h/6h/6h, multiplied by `scale` (0.01 by default: 0.15 s, 0.15 s, 0.3 s, 1.8 s, ...),
until the merchant answers 200/204 with an empty body or {"code": "SUCCESS"}; {"code": "FAIL"}, any
other status, a timeout or a refused connection is retried.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import aiohttp

from paychaos.gateway.delivery import DeliveryQueue
from paychaos.gateway.webhooks import url_refusal
from paychaos.gateway.wechatpay import crypto
from paychaos.gateway.wechatpay.keys import RunKeys
from paychaos.gateway.wechatpay.state import wx_time

SCHEDULE_S = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
USER_AGENT = "Mozilla/4.0"
SUMMARIES = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}


@dataclass
class Notice:
    url: str
    body: str
    mode: str = "signed"      # signed | unsigned | forged
    attempt: int = 1
    event_id: str = ""
    event_type: str = ""


class Notifier(DeliveryQueue):
    def __init__(self, keys: RunKeys, *, scale: float = 0.01, timeout_s: float = 5.0,
                 allow_hosts: tuple[str, ...] = (), workers: int = 16):
        super().__init__(timeout_s=timeout_s, workers=workers)
        self.keys = keys
        self.scale = scale
        self.allow_hosts = frozenset(allow_hosts)
        self.endpoint: str | None = None    # set by /_sim/webhooks: every notification goes there
        self._forger = None
        self.reset_counts()

    def reset_counts(self) -> None:
        self._new_generation()
        self.sent = 0
        # event id -> the ids of what it is about (out_trade_no, transaction_id, refund id): the resource
        # is encrypted, so the ledger says which order a delivery in the journal was about
        self.subjects: dict[str, list[str]] = {}

    # -- what is sent ------------------------------------------------------------------------------

    def body_for(self, event_type: str, original_type: str, resource: dict) -> tuple[str, str]:
        """(event id, the notification body) for a transaction or refund, its resource encrypted."""
        event_id = str(uuid.uuid4())
        plain = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
        body = {"id": event_id, "create_time": wx_time(), "resource_type": "encrypt-resource",
                "event_type": event_type, "summary": SUMMARIES.get(event_type, event_type),
                "resource": {"original_type": original_type,
                             **crypto.encrypt(self.keys.apiv3_key, plain, original_type)}}
        return event_id, json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    def headers_for(self, body: str, mode: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if mode == "unsigned":
            return headers
        stamp, nonce = str(int(time.time())), crypto.nonce()
        key = self.keys.platform.key if mode == "signed" else self._forging_key()
        headers.update({"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                        "Wechatpay-Serial": self.keys.platform.serial_no,
                        "Wechatpay-Signature-Type": crypto.SCHEME,
                        "Wechatpay-Signature": crypto.sign(key, crypto.answer_message(stamp, nonce, body))})
        return headers

    def _forging_key(self):
        if self._forger is None:
            from cryptography.hazmat.primitives.asymmetric import rsa
            self._forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._forger

    def send(self, notify_url: str, event_type: str, original_type: str, resource: dict, *,
             mode: str = "signed", copies: int = 1, delay_s: float = 0.0) -> str | None:
        """Queue a notification (None when there is nowhere loopback to send it)."""
        url = self.endpoint or notify_url
        if not url or url_refusal(url, self.allow_hosts) is not None or self._queue is None:
            return None
        event_id, body = self.body_for(event_type, original_type, resource)
        self.subjects[event_id] = [str(resource[k]) for k in ("out_trade_no", "transaction_id", "out_refund_no",
                                                              "refund_id") if resource.get(k)]
        for _ in range(copies):
            notice = Notice(url, body, mode, 1, event_id, event_type)
            self.pending += 1
            self.sent += 1
            if delay_s > 0:
                self._schedule(delay_s, notice)
            else:
                self._queue.put_nowait((self._generation, notice))
        return event_id

    # -- delivery ----------------------------------------------------------------------------------

    async def _deliver(self, n: Notice) -> None:
        generation = self._generation   # the worker checked it: an answer after a reset is dropped
        status, error, answer = None, None, b""
        started = time.time()
        refused = url_refusal(n.url, self.allow_hosts)
        if refused is not None:
            error = f"refused: {refused}"
        else:
            try:
                async with self._session.post(n.url, data=n.body.encode(),
                                              headers=self.headers_for(n.body, n.mode)) as resp:
                    answer = await resp.read()
                    status = resp.status
            except TimeoutError:
                error = "timeout"
            except aiohttp.ClientError as exc:
                error = type(exc).__name__
        if generation != self._generation:
            return
        ok = status is not None and status in (200, 204) and _acknowledged(answer)
        self.log.append({"event": n.event_id, "type": n.event_type, "url": n.url, "mode": n.mode,
                         "attempt": n.attempt, "status": status, "error": error, "ok": ok,
                         "t_start": started, "t_end": time.time()})
        if ok or n.mode != "signed":   # a forgery is sent once: no one retries an attack
            if ok:
                self.delivered += 1
            self.pending -= 1
            return
        self.failed_attempts += 1
        if n.attempt > len(SCHEDULE_S):
            self.gave_up += 1
            self.pending -= 1
            return
        delay = SCHEDULE_S[n.attempt - 1] * self.scale
        self._schedule(delay, Notice(n.url, n.body, n.mode, n.attempt + 1, n.event_id, n.event_type))


def _acknowledged(answer: bytes) -> bool:
    """An empty answer, or JSON whose code is SUCCESS (WeChat Pay v3's acknowledgement)."""
    text = answer.strip()
    if not text:
        return True
    try:
        body = json.loads(text)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("code") == "SUCCESS"
