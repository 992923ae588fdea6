"""The journal writer on a disk that fills up: whole lines or none, every failure counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import requests

from paychaos.proxies.journal import JournalWriter, read_journal
from paychaos.proxies.testing import control_headers, running_proxy

RECORD = {"id": "j-000001", "path": "/v1/payment_intents", "padding": "x" * 300}


def test_a_write_to_a_full_device_is_counted_not_raised():
    writer = JournalWriter("/dev/full")
    assert writer.write(RECORD) is False and writer.write(RECORD) is False
    assert (writer.records, writer.failures) == (0, 2)
    assert "No space left on device" in writer.last_failure
    writer.close()


def test_a_short_write_is_cut_back_so_no_line_is_ever_half_written(tmp_path):
    """A file-size limit (RLIMIT_FSIZE) makes the kernel write part of a record, as a full disk does."""
    path = tmp_path / "journal.jsonl"
    script = textwrap.dedent(f"""
        import json, resource, signal, sys
        from paychaos.proxies.journal import JournalWriter
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        w = JournalWriter({str(path)!r})
        record = {json.dumps(RECORD)}
        results = [w.write(record) for _ in range(5)]
        print(json.dumps({{"results": results, "records": w.records, "failures": w.failures}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    counts = json.loads(out.stdout)
    assert counts["records"] + counts["failures"] == 5 and counts["failures"] >= 1
    assert counts["results"][:counts["records"]] == [True] * counts["records"]  # it fills up, then fails
    text = path.read_text()
    assert text.endswith("\n") and len(text) < 1000  # the partial record was taken back off the file
    assert len(list(read_journal(str(path)))) == counts["records"]


def _mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def test_a_proxy_on_a_full_tmpfs_journals_whole_lines_and_counts_the_rest(tmp_path, upstream):
    disk = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    if not _mount_tmpfs(disk):
        pytest.skip("needs root and tmpfs mounts (mount -t tmpfs -o size=64k)")
    try:
        with running_proxy({"primary": upstream.url}, journal=disk / "j.jsonl") as proxy:
            sent = 300  # about 600 bytes a record: 64 KiB holds some 100
            with requests.Session() as s:
                for i in range(sent):
                    s.post(proxy.url + "/v1/payment_intents", data={"amount": "100", "description": "d" * 200,
                                                                    "metadata[order_id]": f"ord_{i}"}, timeout=5)
            health = requests.get(proxy.info["control"] + "/health", headers=control_headers(proxy.url), timeout=5).json()
            assert health["journal_records"] + health["journal_failures"] == sent
            assert health["journal_failures"] > 0 and health["ok"] is False
            lines = (disk / "j.jsonl").read_text().splitlines()
            assert len(lines) == health["journal_records"]
            assert all(json.loads(line)["path"] == "/v1/payment_intents" for line in lines)  # all whole
            assert proxy.tail().count("a journal write failed") == 1
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
