"""Idempotency-Key semantics as Stripe has them (see stripe-facts.md, "Idempotency").

A record is made when the endpoint starts executing and holds the first answer, errors included.
Parameter-validation 400s, 401s and 429s never reach it; a request that meets an in-flight record
gets 409 and leaves nothing behind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from paychaos.gateway.errors import StripeError

MAX_KEY_LENGTH = 255


@dataclass
class Record:
    key: str
    endpoint: str
    fingerprint: tuple
    created: int = field(default_factory=lambda: int(time.time()))
    status: int | None = None  # None while the first request is still running
    body: bytes = b""
    headers: dict = field(default_factory=dict)


class IdempotencyStore:
    def __init__(self):
        self.records: dict[str, Record] = {}

    def clear(self) -> None:
        self.records.clear()

    def begin(self, key: str, endpoint: str, fingerprint: tuple) -> Record | None:
        """The saved record to replay, or None after reserving the key for this request.

        Raises StripeError for a key in flight (409) or reused with other parameters/endpoint (400).
        """
        rec = self.records.get(key)
        if rec is None:
            self.records[key] = Record(key, endpoint, fingerprint)
            return None
        if rec.endpoint != endpoint:
            raise StripeError(
                400, "idempotency_error",
                f"Keys for idempotent requests can only be used for the same endpoint they were first "
                f"used for ('{rec.endpoint}' vs '{endpoint}'). Try using a key other than '{key}' if "
                f"you meant to execute a different request.", should_retry=False)
        if rec.fingerprint != fingerprint:
            raise StripeError(
                400, "idempotency_error",
                f"Keys for idempotent requests can only be used with the same parameters they were "
                f"first used with. Try using a key other than '{key}' if you meant to execute a "
                f"different request.", should_retry=False)
        if rec.status is None:
            raise StripeError(
                409, "idempotency_error",
                "There is currently another in-progress request using this Stripe-Idempotency-Key. "
                "Please try again later.", code="idempotency_key_in_use")
        return rec

    def finish(self, key: str, status: int, body: bytes, headers: dict) -> None:
        rec = self.records[key]
        rec.status, rec.body, rec.headers = status, body, headers

    def drop(self, key: str) -> None:
        self.records.pop(key, None)
