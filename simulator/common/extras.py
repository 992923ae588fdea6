"""Optional extras: what a command needs beyond the base install, and the one message that says which
extra to install when it is missing (exit 2 through InputError, never a traceback).

- `paychaos[load]`: Locust, for `paychaos load` (run as a subprocess; never imported by paychaos).
"""

from __future__ import annotations

import importlib.util
from importlib import metadata

from paychaos.common.errors import InputError

EXTRAS = {  # extra -> (module it brings, fallback requirement when paychaos's metadata is not at hand)
    "load": ("locust", "locust>=2.47,<3"),
}


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def requirement(extra: str) -> str:
    """The extra's requirement as paychaos's own metadata declares it (pyproject is the one source)."""
    module, fallback = EXTRAS[extra]
    try:
        for req in metadata.requires("paychaos") or []:
            spec, _, marker = req.partition(";")
            if f'extra == "{extra}"' in marker and spec.strip().lower().startswith(module):
                return spec.strip().replace(" ", "")
    except metadata.PackageNotFoundError:
        pass
    return fallback


def missing(extra: str, needed_by: str) -> str | None:
    """Why `needed_by` cannot run here, or None when the extra's module is importable."""
    module, _ = EXTRAS[extra]
    if installed(module):
        return None
    return (f"{needed_by} needs {module}, which is not installed: pip install 'paychaos[{extra}]' "
            f"(or pip install '{requirement(extra)}')")


def require(extra: str, needed_by: str, *, file: str | None = None) -> None:
    problem = missing(extra, needed_by)
    if problem:
        raise InputError(problem, file=file)
