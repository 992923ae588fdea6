"""Asynchronous notifications (异步通知) as Alipay sends them: a form-encoded POST to the trade's
`notify_url` (or, when paychaos routes them through its proxy, the URL set with `POST /_sim/webhooks`),
signed RSA2 over every field but `sign` and `sign_type`, repeated until the merchant's body is exactly
`success`. Alipay's schedule after the first attempt: 4m, 10m, 10m, 1h, 2h, 6h, 15h (8 attempts in
25 hours); `time_scale` compresses it (0.001: the first retry 0.24 s later).

Sabotage for scenarios and tests (`/_sim/alipay/notify`): duplicate every notification, hold them back
(late), and send made-up ones for a trade: `unsigned` (no sign) or `forged` (signed with a key that is
not the platform's), each claiming TRADE_SUCCESS. A trade that closes unpaid by timeout (test amounts
901300..901399) is notified as TRADE_CLOSED.
"""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

from paychaos.gateway.alipay import keys as rsa2
from paychaos.gateway.alipay.trades import BAND_NOTIFY_DUPLICATE, Trade, yuan
from paychaos.gateway.webhooks import url_refusal

SCHEDULE_S = (0, 4 * 60, 10 * 60, 10 * 60, 60 * 60, 2 * 3600, 6 * 3600, 15 * 3600)
USER_AGENT = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1;) Alipay-Notify (paychaos fake)"


class Notifier:
    def __init__(self, *, time_scale: float = 0.001, timeout_s: float = 5.0, allow_hosts: tuple[str, ...] = ()):
        self.time_scale = time_scale
        self.timeout_s = timeout_s
        self.allow_hosts = frozenset(allow_hosts)
        self.url: str | None = None          # /_sim/webhooks: every notification goes here instead
        self.keys: rsa2.RunKeys | None = None
        self.forger = None                   # a key that is not the platform's (made on first use)
        self.log: collections.deque = collections.deque(maxlen=5000)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.delivered = self.failed_attempts = self.gave_up = self.pending = 0
        self.sent = 0
        self.duplicate = False
        self.late_ms = 0
        self.log.clear()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def target(self, trade: Trade) -> str | None:
        """Where the trade's notification goes: the /_sim/webhooks URL, or, when that URL has no path
        (what paychaos's runner sets: its proxy's webhooks listener), the trade's notify_url path on it."""
        url = self.url or trade.notify_url
        if self.url and trade.notify_url and urlsplit(self.url).path in ("", "/"):
            own = urlsplit(trade.notify_url)
            url = urlunsplit((*urlsplit(self.url)[:2], own.path or "/", own.query, ""))
        if not url or url_refusal(url, self.allow_hosts) is not None:
            return None
        return url

    def fields(self, trade: Trade, status: str | None = None) -> dict[str, str]:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(trade.created))
        out = {
            "notify_time": time.strftime("%Y-%m-%d %H:%M:%S"), "notify_type": "trade_status_sync",
            "notify_id": uuid.uuid4().hex, "app_id": self.keys.app_id if self.keys else "",
            "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
            "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
            "trade_status": status or trade.status, "total_amount": yuan(trade.fen),
            "receipt_amount": yuan(trade.fen), "buyer_pay_amount": yuan(trade.fen),
            "invoice_amount": yuan(trade.fen), "subject": trade.subject, "gmt_create": created,
            "buyer_id": trade.buyer_user_id, "seller_id": "2088000000000001",
            "auth_app_id": self.keys.app_id if self.keys else "",
        }
        if trade.paid_at:
            out["gmt_payment"] = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(trade.paid_at))
        if trade.passback:
            out["passback_params"] = trade.passback
        return {k: v for k, v in out.items() if v != ""}   # Alipay leaves empty fields out (no buyer yet)

    def signed(self, fields: dict[str, str], key=None) -> dict[str, str]:
        key = key or self.keys.platform_private
        return {**fields, "sign": rsa2.sign(key, rsa2.sign_content(fields, drop=("sign", "sign_type")))}

    # -- sending ----------------------------------------------------------------------------------

    def trade_paid(self, trade: Trade) -> None:
        url = self.target(trade)
        if url is None or self._session is None:
            return
        body = urlencode(self.signed(self.fields(trade, "TRADE_SUCCESS")))
        self._spawn(self._send(url, body, trade.trade_no, "signed"))
        if self.duplicate or trade.fen // 100 == BAND_NOTIFY_DUPLICATE:
            self._spawn(self._send(url, body, trade.trade_no, "duplicate", retry=False))

    def trade_closed(self, trade: Trade) -> None:
        """The trade closed unpaid (timed out): a signed TRADE_CLOSED notification, retried as any."""
        url = self.target(trade)
        if url is None or self._session is None:
            return
        fields = {k: v for k, v in self.fields(trade, "TRADE_CLOSED").items()   # nobody paid: no amounts paid
                  if k not in ("receipt_amount", "buyer_pay_amount", "invoice_amount")}
        body = urlencode(self.signed(fields))
        self._spawn(self._send(url, body, trade.trade_no, "closed"))

    def forger_key(self):
        """A key that is not the platform's (made on first use): forged notifications and answers."""
        if self.forger is None:
            self.forger = rsa2.new_private_key()
        return self.forger

    def forge(self, trade: Trade, mode: str) -> bool:
        """A made-up TRADE_SUCCESS notification for `trade` (whatever its real state), sent once."""
        url = self.target(trade)
        if url is None or self._session is None:
            return False
        fields = self.fields(trade, "TRADE_SUCCESS")
        if mode == "unsigned":
            body = urlencode(fields)
        else:
            body = urlencode(self.signed(fields, self.forger_key()))
        self._spawn(self._send(url, body, trade.trade_no, mode, retry=False))
        return True

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, url: str, body: str, trade_no: str, kind: str, retry: bool = True) -> None:
        generation = self._generation
        self.pending += 1
        try:
            if self.late_ms:
                await asyncio.sleep(self.late_ms / 1000)
            attempts = SCHEDULE_S if retry else SCHEDULE_S[:1]
            for attempt, wait_s in enumerate(attempts, 1):
                if wait_s:
                    await asyncio.sleep(wait_s * self.time_scale)
                if generation != self._generation:
                    return
                status, answer, error = await self._post(url, body)
                ok = status == 200 and answer.strip() == "success"
                self.sent += 1
                self.log.append({"trade_no": trade_no, "kind": kind, "attempt": attempt, "url": url,
                                 "status": status, "answer": answer[:80], "error": error, "ok": ok,
                                 "t": time.time()})
                if ok:
                    self.delivered += 1
                    return
                self.failed_attempts += 1
            self.gave_up += 1
        finally:
            if generation == self._generation:
                self.pending -= 1

    async def _post(self, url: str, body: str) -> tuple[int | None, str, str | None]:
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "User-Agent": USER_AGENT}
        try:
            async with self._session.post(url, data=body.encode(), headers=headers) as resp:
                text = (await resp.read()).decode("utf-8", "replace")
                return resp.status, text, None
        except TimeoutError:
            return None, "", "timeout"
        except aiohttp.ClientError as exc:
            return None, "", type(exc).__name__

    def stats(self) -> dict:
        return {"delivered": self.delivered, "failed_attempts": self.failed_attempts, "pending": self.pending,
                "gave_up": self.gave_up}
