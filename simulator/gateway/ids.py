"""Stripe-looking ids (`pi_3MtwBw...`): random, or a fixed sequence with `--seed`.

Random bytes are drawn in blocks and base64-encoded with letters for `+` and `/`: a handful of
C calls per id (per-character choices() was the hot spot of a payment)."""

from __future__ import annotations

import binascii
import os
import random

_BLOCK = 18 * 4096
_LETTERS = bytes.maketrans(b"+/", b"Xz")


class IdMaker:
    def __init__(self, seed: int | None = None):
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self._randbytes = random.Random(self.seed if self.seed is not None else os.urandom(16)).randbytes
        self._pool = b""
        self._at = 0

    def new(self, prefix: str, length: int = 24) -> str:
        """prefix_ + `length` letters and digits (length a multiple of 4, at most 96)."""
        size = length * 3 // 4
        at = self._at
        if at + size > len(self._pool):
            self._pool, at = self._randbytes(_BLOCK), 0
        self._at = at + size
        raw = binascii.b2a_base64(self._pool[at:at + size], newline=False).translate(_LETTERS)
        return prefix + "_" + raw.decode()
