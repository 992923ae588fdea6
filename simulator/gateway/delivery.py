"""The sending machinery the Stripe webhook dispatcher (webhooks.py) and the WeChat Pay notifier
(wechatpay/notify.py) share: a queue served by `workers` tasks over one aiohttp session, retries that
wait on loop timers, and a generation that a reset bumps, so that nothing queued or timed before it is
sent after it. What a delivery is, how it is sent and when it is retried is each sender's own
(`_deliver`); the counts it keeps are the ones `/_sim/ledger` shows (`stats`).
"""

from __future__ import annotations

import asyncio
import collections

import aiohttp


class DeliveryQueue:
    def __init__(self, *, timeout_s: float, workers: int):
        self.timeout_s = timeout_s
        self.workers = workers
        self.log: collections.deque = collections.deque(maxlen=2000)
        self._queue: asyncio.Queue | None = None
        self._tasks: list[asyncio.Task] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._session: aiohttp.ClientSession | None = None
        self._generation = 0  # bumped by reset: retries of older deliveries are dropped
        self.delivered = self.failed_attempts = self.gave_up = self.pending = 0

    def _new_generation(self) -> None:
        """Forget what was sent and drop what waits: the counts, the log, the timers, the queue."""
        self._generation += 1
        self.delivered = self.failed_attempts = self.gave_up = self.pending = 0
        self.log.clear()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self._queue is not None:
            while not self._queue.empty():
                self._queue.get_nowait()

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for timer in self._timers:
            timer.cancel()
        if self._session is not None:
            await self._session.close()

    async def _worker(self) -> None:
        assert self._queue is not None
        while True:
            generation, item = await self._queue.get()
            if generation == self._generation:
                await self._deliver(item)

    async def _deliver(self, item) -> None:
        raise NotImplementedError

    def _schedule(self, delay_s: float, item) -> None:
        """Queue `item` again after delay_s, unless a reset comes first."""
        generation = self._generation
        handle: list[asyncio.TimerHandle] = []

        def fire() -> None:
            self._timers.discard(handle[0])
            if generation == self._generation and self._queue is not None:
                self._queue.put_nowait((generation, item))

        handle.append(asyncio.get_running_loop().call_later(delay_s, fire))
        self._timers.add(handle[0])

    def stats(self) -> dict:
        return {"delivered": self.delivered, "failed_attempts": self.failed_attempts,
                "pending": self.pending, "gave_up": self.gave_up}
