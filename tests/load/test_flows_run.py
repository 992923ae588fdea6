"""`paychaos load` on the browser-era shops, as a user runs it (a real subprocess: Locust, proxy, gateways,
the shop): the Locust customers play the target's flow, so paid checkouts are paid with money in the
gateway tied to their orders; a run whose customers only send the checkout call is inconclusive."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
THREE_DS = "pm_card_threeDSecure2Required"
DECLINED = "pm_card_visa_chargeDeclinedInsufficientFunds"
# Seed 1: the two users' first cards are the 3-D Secure one and the plain visa (each user's draws follow
# --seed; how many checkouts follow depends on the machine, so only what each card ends as is asserted).
PROFILE = f"""\
    \"\"\"Card mix for the flow tests: half 3-D Secure, some declines, the rest plain visa.\"\"\"
    from _paychaos_locust import CheckoutCustomer, PhasedShape

    THRESHOLD = 80


    class Customer(CheckoutCustomer):
        cards = {{"{THREE_DS}": 0.5, "{DECLINED}": 0.2, "pm_card_visa": 0.3}}
    {{extra}}

    class Mix(PhasedShape):
        phases = [{{"name": "mix", "share": 1, "users": 1.0, "rules": []}}]
    """
SEND_ONLY = """
        def on_start(self):
            super().on_start()
            self.flow = None   # sends the checkout call only: the browser's part is never played
"""


def _load(tmp_path, report_dir, target, extra=""):
    profile = tmp_path / "mix.py"
    profile.write_text(textwrap.dedent(PROFILE).replace("{extra}", textwrap.indent(textwrap.dedent(extra), "    ")))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "scenarios" / "load"),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "load", str(profile), "--target", target,
                           "--users", "2", "--duration", "6", "--seed", "1", "--report-dir", str(report_dir)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    report = json.loads((report_dir / "report.json").read_text()) if (report_dir / "report.json").exists() else None
    checkouts = [json.loads(line) for line in (report_dir / "events.jsonl").read_text().splitlines()
                 if '"type": "checkout"' in line]
    return done, report, checkouts


def _journal(report_dir) -> list[dict]:
    return [json.loads(line) for line in (report_dir / "journal-0.jsonl").read_text().splitlines()]


def _played_and_paid(done, report, checkouts, flow):
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["run"]["flow"] == flow and report["verdict"]["inconclusive"] == [] and report["verdict"]["passed"]
    assert checkouts and {c["flow"] for c in checkouts} == {flow}
    by_card = {}
    for c in checkouts:
        by_card.setdefault(c["payment"], set()).add(c["status"])
    assert {THREE_DS, "pm_card_visa"} <= set(by_card)           # the two users' first cards (seed 1)
    assert by_card[THREE_DS] == {"paid"} and by_card["pm_card_visa"] == {"paid"}
    assert by_card.get(DECLINED, {"failed"}) == {"failed"}
    totals, phase = report["metrics"]["totals"], report["metrics"]["phases"][0]
    paid = sum(c["status"] == "paid" for c in checkouts)
    assert (phase["paid"], phase["failed"], phase["pending"], phase["no_answer"]) == (
        paid, len(checkouts) - paid, 0, 0)
    # the money: every paid order charged once at the gateway, no charge the checkouts do not account for
    assert totals["ledger_charged_orders"] == paid == totals["paid"]
    assert totals["paid_without_charge"] == totals["double_charges"] == totals["orphan_charges"] == 0
    assert totals["ledger_unknown_orders"] == 0
    assert totals["browser_calls"] > 0 and phase["gateway_calls"]["browser"] > 0
    assert report["locust"]["num_requests"] == len(checkouts)
    return paid


def test_a_client_secret_shop_under_load_is_paid_by_the_browsers_confirm(tmp_path, report_dir):
    done, report, checkouts = _load(tmp_path, report_dir, "tests/shops/cedar/target.yaml")
    paid = _played_and_paid(done, report, checkouts, "client_secret")
    journal = _journal(report_dir)
    confirms = [r for r in journal if r.get("path", "").endswith("/confirm")]
    assert len(confirms) >= len(checkouts)          # the browser's confirm, through the proxy
    assert any(r.get("path", "").startswith("/_3ds/") for r in journal)   # the 3-D Secure challenge, passed
    assert {c["raw_status"] for c in checkouts if c["status"] == "paid"} == {"succeeded"}
    assert paid >= 2


def test_a_redirect_shop_under_load_is_paid_on_the_hosted_page_and_back(tmp_path, report_dir):
    done, report, checkouts = _load(tmp_path, report_dir, "tests/shops/birch/target.yaml")
    _played_and_paid(done, report, checkouts, "redirect")
    journal = _journal(report_dir)
    assert any(r.get("path", "").startswith("/pay/cs_") for r in journal)        # the hosted page, via the proxy
    assert any(r.get("path", "").startswith("/_3ds/") for r in journal)
    assert all(c["http_status"] == 200 for c in checkouts)   # the shop's answer on the way back, not the 303


def test_a_run_whose_customers_never_play_the_flow_is_inconclusive(tmp_path, report_dir):
    done, report, checkouts = _load(tmp_path, report_dir, "tests/shops/cedar/target.yaml", SEND_ONLY)
    assert done.returncode == 1
    assert checkouts and {c["status"] for c in checkouts} == {"pending"}
    assert report["verdict"]["passed"] is False
    assert report["verdict"]["inconclusive"][0].startswith(f"{len(checkouts)} of {len(checkouts)} checkout(s)")
    assert "paychaos load: INCONCLUSIVE:" in done.stderr and "PASSED" not in done.stdout
    assert "INCONCLUSIVE" in (report_dir / "report.html").read_text()


@pytest.mark.parametrize("target,words", [
    ("tests/shops/willow/target.yaml", "checkout.flow: is browser: the customer pays on the merchant's own page"),
    ("tests/shops/bamboo/target.yaml", "checkout.flow: is qr: the customer scans the shop's QR code"),  # WeChat Pay
])
def test_a_flow_load_cannot_play_exits_2_before_anything_starts(tmp_path, target, words):
    done = subprocess.run([sys.executable, "-P", "-m", "paychaos.cli", "load", "steady", "--target",
                           target, "--report-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{target}: {words}" in done.stderr and "use `paychaos run` for this target" in done.stderr
    assert not (tmp_path / "r" / "events.jsonl").exists()
