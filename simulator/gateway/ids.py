"""Stripe-looking ids (`pi_3Mtw...`): random, or a fixed sequence with `--seed`."""

from __future__ import annotations

import os
import random

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class IdMaker:
    def __init__(self, seed: int | None = None):
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self._rng = random.Random(self.seed if self.seed is not None else os.urandom(16))
        self._choices = self._rng.choices

    def new(self, prefix: str, length: int = 24) -> str:
        return prefix + "_" + "".join(self._choices(ALPHABET, k=length))
