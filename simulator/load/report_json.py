"""report.json of a load run: what ran, per-phase metrics, the verdict, the time series."""

from __future__ import annotations

import json
from pathlib import Path

from paychaos.common.masking import mask_obj
from paychaos.reporting.files import write_atomic


def write(path: Path, report: dict) -> Path:
    """Whole or not at all (a reader never sees half a report)."""
    return write_atomic(path, json.dumps(mask_obj(report), indent=2, ensure_ascii=False, default=str))
