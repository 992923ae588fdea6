"""A merchant whose own background job calls the gateway all the time (Quill, tests/runner/poller_shop.py)
is scored on complete evidence: its calls after the last checkout are journaled in the scenario that the
gateways count them in, and none of one scenario's reach the next one's counts. Before, every such run was
"evidence incomplete" (inconclusive): the proxy journaled the calls after a scenario's faults ended under
no scenario, and the old merchant kept calling after the gateways were reset for the next one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TARGET = """\
name: quill
shop: {{languages: [en]}}
start:
  command: ["{{python}}", "{shop}", "{{port}}"]
  env: {{STRIPE_API_BASE: "{{gateway_url}}"}}
  ready: {{path: /up, timeout_s: 30}}
base_url: "http://127.0.0.1:{{port}}"
checkout:
  path: /sale
  json: {{ref: "{{order.id}}", cents: "{{order.amount}}", token: "{{payment.token}}"}}
  outcome:
    status: "$.state"
    paid: [settled]
    message: "$.note"
order_status: {{path: "/sale/{{order.id}}", status: "$.state", paid: [settled], failed: [refused]}}
"""


@pytest.mark.slow
def test_a_shop_polling_the_gateway_in_the_background_is_scored_on_complete_evidence(tmp_path):
    target = tmp_path / "quill.yaml"
    target.write_text(TARGET.format(shop=ROOT / "tests" / "runner" / "poller_shop.py"), encoding="utf-8")
    report_dir = tmp_path / "report"
    out = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "run", "healthy-baseline",
                          "decline-test-cards", "insufficient-funds", "--target", str(target),
                          "--report-dir", str(report_dir)],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert "Traceback" not in out.stderr, out.stderr
    report = json.loads((report_dir / "report.json").read_text())
    for s in report["scenarios"]:
        assert s["error"] is None, (s["name"], s["error"])
        assert s["inconclusive"] == [], (s["name"], s["inconclusive"])
        assert s["checkouts"], s["name"]
        # the poller's calls are in the scenario's journal, next to the charges
        assert s["gateway_calls"] > len(s["checkouts"]), (s["name"], s["gateway_calls"])
