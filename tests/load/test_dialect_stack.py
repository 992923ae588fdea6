"""`paychaos load`'s stack on a shop whose gateways speak two dialects (Stripe primary, Alipay backup): each
gateway is started in its upstream's dialect, every merchant gets the backup's `{alipay.*}` key files, and
the Alipay gateway's notifications go through the first proxy's webhooks listener."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from paychaos.common import localtoken
from paychaos.load.stack import start_stack
from paychaos.target import load_target

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_each_gateway_speaks_its_upstreams_dialect_and_every_merchant_holds_the_keys(tmp_path):
    target = load_target(str(ROOT / "tests/shops/plum/target-stripe-alipay.yaml"))
    stack = start_stack(target, tmp_path, proxies=2)
    try:
        primary, backup = stack.gateways["primary"], stack.gateways["backup"]
        assert "dialect" not in primary.info and backup.info["dialect"] == "alipay"
        hook = requests.get(backup.url + "/_sim/webhooks", timeout=10,
                            headers=localtoken.headers(backup.info.get("token"))).json()
        assert hook["url"] == stack.proxies[0].info["listeners"]["webhooks"].rstrip("/")
        for i, merchant in enumerate(stack.merchants):   # each started with the keys filled in (else: no /healthz)
            answer = requests.post(merchant.base_url + "/api/checkout", timeout=60, json={
                "order_id": f"stack-{i}", "amount": 1200, "auth_code": "pm_card_visa", "name": "李雷",
                "email": "li@example.com"})
            assert answer.status_code == 200 and answer.json()["status"] == "paid", answer.text
    finally:
        stack.stop()
