"""`paychaos load`'s stack with a forward-mode target (`start.forward: true`, issue 12): each proxy runs
its forward listener and the shop, which keeps https://api.stripe.com, pays through it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from paychaos.load.stack import start_stack
from paychaos.proxies.journal import read_journal
from paychaos.target import load_target

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_a_forward_target_pays_through_every_proxy(tmp_path):
    target = load_target(str(ROOT / "tests/shops/lantern/target-forward.yaml"))
    stack = start_stack(target, tmp_path, proxies=2)
    try:
        assert all(p.info["forward"] and os.path.exists(p.info["ca_cert"]) for p in stack.proxies)
        # The same order to each shop: both mint LB-1001 and share the gateways, so the second one's calls
        # repeat the first one's idempotency keys (any other body would be an idempotency error).
        for merchant in stack.merchants:
            answer = requests.post(merchant.base_url + "/api/orders", timeout=60, json={
                "sku": "brass-lantern", "qty": 1, "email": "fwd@example.com", "name": "Ada",
                "payment_method": "pm_card_visa"})
            assert answer.status_code == 201 and answer.json()["state"] == "complete", answer.text
    finally:
        stack.stop()
    for journal in stack.journals:   # each shop's payment went through its own proxy
        paths = [r["path"] for r in read_journal(journal)]
        assert paths.count("/v1/payment_intents") == 1, paths
