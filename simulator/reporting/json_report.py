"""report.json: the suite report as DESIGN.md fixes it (`{"scenarios": [...], "total": ...}`) plus
the verdict, counts, and per scenario the checkouts and the gateway timeline."""

from __future__ import annotations

import json
from pathlib import Path

from paychaos.common.masking import mask_obj
from paychaos.reporting.events import SuiteFinished
from paychaos.reporting.fanout import Reporter
from paychaos.reporting.files import write_atomic

FILENAME = "report.json"


def render(report: dict) -> str:
    return json.dumps(mask_obj(report), indent=2, ensure_ascii=False) + "\n"


class JsonReporter(Reporter):
    def __init__(self, report_dir: Path):
        self.path = Path(report_dir) / FILENAME

    def on_suite_finished(self, event: SuiteFinished) -> None:
        write_atomic(self.path, render(event.report))
