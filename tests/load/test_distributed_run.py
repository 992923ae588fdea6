"""Locust distributed: a master and two workers; their checkouts merge exactly and match the ledger."""

import pytest

from paychaos.load.orchestrate import LoadOptions, run_load

pytestmark = pytest.mark.slow


def test_two_workers_merge_to_the_ledgers_count(report_dir):
    report = run_load(LoadOptions(profile="steady", users=6, duration_s=8, workers=2,
                                  report_dir=str(report_dir)), say=lambda *_: None)
    totals = report["metrics"]["totals"]
    workers = totals["workers"]
    assert len(workers) == 2 and all(n > 0 for n in workers.values()), workers
    assert sum(workers.values()) == totals["checkouts"] == report["locust"]["num_requests"]
    assert totals["checkouts"] > 20
    assert totals["paid"] == totals["ledger_charged_orders"] > 0
    assert totals["ledger_unknown_orders"] == 0
