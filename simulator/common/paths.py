"""Where the built-in scenarios and Locust profiles live: package data of `paychaos.scenarios` (the
repository's scenarios/ folder), found through importlib.resources wherever paychaos is installed
(a checkout's editable install, a venv, `pip install --user`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_scenarios_dir() -> Path:
    return Path(str(resources.files("paychaos.scenarios")))


def builtin_load_profiles_dir() -> Path:
    return builtin_scenarios_dir() / "load"
