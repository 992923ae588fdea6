import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from simulator.reporting import SuiteFinished
from simulator.reporting.entries import measured
from simulator.reporting.html_report import HtmlReporter
from tests.reporting.samples import WHOLE_PAN, journal_record, outage_observations, sample_report

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def write(tmp_path, report) -> Path:
    HtmlReporter(tmp_path).handle(SuiteFinished(report))
    return tmp_path / "report.html"


def test_html_is_one_self_contained_file(tmp_path):
    page = write(tmp_path, sample_report()).read_text()
    assert not re.search(r"""(src|href)=["'](https?:|//)""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert WHOLE_PAN not in page and "400000******9995" in page


def test_html_shows_verdict_findings_evidence_and_faulted_timeline(tmp_path):
    page = write(tmp_path, sample_report()).read_text()
    assert "FAILED" in page and 'href="#s-gateway-outage-full"' in page
    assert "prompt.no_leak" in page
    # a journal id in the evidence links to its exchange's row
    assert 'href="#s-gateway-outage-full-j-000001"' in page and 'id="s-gateway-outage-full-j-000001"' in page
    assert page.count('class="fault-mark"') == 3      # three exchanges were faulted
    assert "j-000003 POST /v1/payment_intents → reset · fault: reset" in page
    assert "merchant exited with status 1" in page     # the errored scenario says why
    assert "does not apply" in page                    # a null dimension is not shown as 100


def test_html_tells_forged_and_copied_webhook_deliveries_apart(tmp_path):
    obs = outage_observations()
    genuine = journal_record(7, 2.1, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None,
                             faults=["webhook_forge"])
    forged = {**journal_record(8, 2.2, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None,
                               status=400, faults=["webhook_forge"]), "replay_of": "j-000007", "forged": "unsigned"}
    copy = {**journal_record(9, 2.3, upstream="webhooks", path="/webhooks/stripe", key=None, outcome=None,
                             faults=["webhook_duplicate"]), "replay_of": "j-000007"}
    obs.journal += [genuine, forged, copy]
    timeline = measured(obs)["timeline"]
    assert [(r["replay_of"], r["forged"]) for r in timeline[-3:]] == [(None, None), ("j-000007", "unsigned"),
                                                                      ("j-000007", None)]
    report = sample_report()
    report["scenarios"][0]["timeline"] = timeline
    page = write(tmp_path, report).read_text()
    assert "j-000008 POST /webhooks/stripe → 400 · fault: webhook_forge · forged (unsigned), after j-000007" in page
    assert "· copy of j-000007" in page


def test_html_evidence_examples_become_a_small_table(tmp_path):
    report = sample_report()
    examples = [{"order_id": f"ord_{i}", "excerpt": "x" * 400} for i in range(8)]
    report["scenarios"][1]["findings"][0]["evidence"]["examples"] = examples
    page = write(tmp_path, report).read_text()
    assert "<summary>examples (8)</summary>" in page and "… 3 more in report.json" in page
    # long text is clipped in the table, the whole of it behind an expander
    assert re.search(r'<details class="raw"><summary>x{159}…</summary><pre>x{400}</pre></details>', page)
    assert "<td>" + "x" * 400 not in page


def test_html_escapes_what_merchants_said(tmp_path):
    report = sample_report()
    report["scenarios"][1]["checkouts"][0]["message"] = "<script>alert(1)</script>"
    page = write(tmp_path, report).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_renders_in_headless_chromium(tmp_path):
    page = write(tmp_path, sample_report())
    png = tmp_path / "report.png"
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}", "--window-size=1280,2400", page.as_uri()]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert png.exists(), out.decode(errors="replace")[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2400)
    assert len(data) > 60_000  # a blank or unstyled page compresses to a few kB
    keep = os.environ.get("PAYCHAOS_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(png, keep)
