"""Starting Locust: what the orchestration leaves in the work directory."""

from __future__ import annotations

import json

from paychaos.load.locust_procs import start_locust


def test_a_reused_report_dir_never_serves_an_old_runs_locust_count(tmp_path):
    stale = tmp_path / "locust-stats.json"
    stale.write_text(json.dumps([{"name": "checkout", "num_requests": 999}]))
    run = start_locust(tmp_path / "no-such-profile.py", {}, tmp_path, host="http://127.0.0.1:9")
    try:
        assert not stale.exists()  # gone before this run's Locust could write (or fail to write) its own
        assert run.wait(60) is not None  # Locust refuses the missing profile and exits
    finally:
        run.stop()
