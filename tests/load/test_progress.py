"""Progress lines while a load run goes, read from the events file as the Locust master appends to it."""

import json

from paychaos.load.progress import Progress


def test_progress_reads_the_events_file_as_it_grows_and_resets_per_phase(tmp_path):
    path = tmp_path / "events.jsonl"
    progress = Progress(path, every_s=0)
    assert progress.due() == "paychaos load: phase (starting): 0 checkouts, success -, p95 -"
    with open(path, "a") as fh:
        fh.write(json.dumps({"type": "phase", "name": "healthy"}) + "\n")
        for i in range(20):
            fh.write(json.dumps({"type": "checkout", "status": "paid" if i else "failed",
                                 "elapsed_s": 0.1 + i / 100}) + "\n")
        fh.write('{"type": "checkout", "sta')                      # a line still being written
    assert progress.due() == "paychaos load: phase healthy: 20 checkouts, success 95%, p95 280 ms"
    with open(path, "a") as fh:
        fh.write('tus": "paid", "elapsed_s": 0.5}\n' + json.dumps({"type": "phase", "name": "outage"}) + "\n")
        fh.write(json.dumps({"type": "checkout", "status": "failed", "elapsed_s": 2.0}) + "\n")
    assert progress.due() == "paychaos load: phase outage: 1 checkouts, success 0%, p95 2000 ms"


def test_web_progress_stays_quiet_until_start_and_says_once_when_every_phase_has_run(tmp_path):
    path = tmp_path / "events.jsonl"
    progress = Progress(path, every_s=0, quiet_until_phase=True)
    assert progress.due() is None                                  # Start not pressed yet: nothing to say
    with open(path, "a") as fh:
        fh.write(json.dumps({"type": "phase", "name": "steady"}) + "\n")
        fh.write(json.dumps({"type": "checkout", "status": "paid", "elapsed_s": 0.05}) + "\n")
    assert progress.due() == "paychaos load: phase steady: 1 checkouts, success 100%, p95 50 ms"
    with open(path, "a") as fh:
        fh.write(json.dumps({"type": "end"}) + "\n")
    assert progress.due() == ("paychaos load: phase steady: 1 checkouts, success 100%, p95 50 ms; "
                              "every phase has run (Ctrl-C here writes the report)")
    assert progress.due() is None                                  # said once, not every 5 s
