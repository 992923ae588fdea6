"""stripe-node (the npm package, v23) used as a shop would, against a real gateway: every call of
issue 11's list answers as Stripe would. Needs node and npm (the package is installed once into
~/.cache/paychaos/stripe-node); skipped cleanly when either is missing or the install fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from paychaos.gateway.testing import get_ledger
from tests.gateway.browser import pay_checkout, request

HERE = Path(__file__).parent / "node"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "paychaos" / "stripe-node"


@pytest.fixture(scope="module")
def node_dir() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the stripe-node check")
    CACHE.mkdir(parents=True, exist_ok=True)
    shutil.copy(HERE / "package.json", CACHE / "package.json")
    shutil.copy(HERE / "shop_calls.js", CACHE / "shop_calls.js")
    if not (CACHE / "node_modules" / "stripe").is_dir():
        try:
            done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=CACHE,
                                  capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.skip("npm install stripe took more than 5 minutes")
        if done.returncode != 0:
            pytest.skip(f"npm install stripe failed: {done.stderr[-500:]}")
    return CACHE


def test_stripe_node_calls_a_shop_makes(node_dir, gateway):
    done = subprocess.run(["node", "shop_calls.js", gateway.url], cwd=node_dir, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    calls, tail = lines[:-1], lines[-1]
    failed = [c for c in calls if not c["ok"]]
    assert failed == [], failed
    assert len(calls) >= 52
    names = {c["call"] for c in calls}
    for needed in ("setupIntents.create", "checkout.sessions.create", "prices.create", "products.create",
                   "browser tokens.create", "balance.retrieve", "customers.search", "customers.listPaymentMethods"):
        assert needed in names
    # the session stripe-node made is payable on the hosted page, and the money shows in the ledger
    assert pay_checkout(tail["checkout_url"]).status == 303
    ledger = get_ledger(gateway.url)
    assert ledger["money"]["by_metadata"]["order_id"]["node_cs"]["captured"] == 2200
    assert request(tail["checkout_url"]).status == 200
