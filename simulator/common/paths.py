"""Where the built-in scenarios live: beside the source tree in a checkout (editable install), or
under `<prefix>/share/paychaos/scenarios` where a regular install puts them (pyproject data-files)."""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parents[2] / "scenarios"
_INSTALLED = Path(sys.prefix) / "share" / "paychaos" / "scenarios"


def builtin_scenarios_dir() -> Path:
    return _SOURCE_TREE if _SOURCE_TREE.is_dir() else _INSTALLED


def builtin_load_profiles_dir() -> Path:
    return builtin_scenarios_dir() / "load"
