"""report.json of a load run: what ran, per-phase metrics, the verdict, the time series."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.common.masking import mask_obj


def write(path: Path, report: dict) -> Path:
    path.write_text(json.dumps(mask_obj(report), indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
