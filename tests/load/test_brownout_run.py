"""A real brownout run: Locust subprocess, real proxy, gateways and resilient merchant."""

import json

import pytest

from paychaos.load.orchestrate import LoadOptions, run_load

pytestmark = pytest.mark.slow


def test_brownout_success_falls_in_the_outage_and_recovers_after(report_dir):
    report = run_load(LoadOptions(profile="brownout", users=6, duration_s=16, report_dir=str(report_dir)),
                      say=lambda *_: None)
    phases = {p["name"]: p for p in report["metrics"]["phases"]}
    assert list(phases) == ["healthy", "brownout-30pct-5xx", "full-outage", "recovery"]
    for p in phases.values():
        assert p["checkouts"] >= 10 and p["control_ok"], p["name"]
        assert None not in (p["success_rate"], p["latency_ms"]["p50"], p["latency_ms"]["p95"],
                            p["latency_ms"]["p99"], p["gateway_calls_per_checkout"])
    assert phases["healthy"]["success_rate"] >= 0.95
    assert phases["brownout-30pct-5xx"]["success_rate"] >= 0.8          # retries and the backup absorb 30 %
    assert phases["full-outage"]["success_rate"] <= 0.2
    assert phases["recovery"]["recovery"]["recovered"] is True
    assert phases["recovery"]["recovery"]["time_to_recover_s"] < 4
    # The 30 % phase costs more gateway calls than the healthy one (the merchant retries).
    assert phases["brownout-30pct-5xx"]["gateway_calls_per_checkout"] > phases["healthy"]["gateway_calls_per_checkout"]
    assert phases["full-outage"]["primary_falls_off"] is not None
    totals = report["metrics"]["totals"]
    assert totals["paid"] == totals["ledger_charged_orders"]
    assert totals["double_charges"] == totals["orphan_charges"] == 0
    assert report["locust"]["num_requests"] == totals["checkouts"]

    on_disk = json.loads((report_dir / "report.json").read_text())
    assert on_disk["metrics"]["phases"][2]["name"] == "full-outage"
    page = (report_dir / "report.html").read_text()
    assert page.count("<svg") == 3 and "full-outage" in page
    assert set(on_disk["verdict"]["score"]) == {"prompt", "retry", "fallback", "integrity", "total"}
    for line in (report_dir / "journal-0.jsonl").read_text().splitlines()[:50]:
        assert "4242424242424242" not in line
