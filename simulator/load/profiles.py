"""The built-in load profiles: Locust files under scenarios/load/, one per profile.

Read with `ast`, never imported: importing a locustfile imports locust, which monkey-patches the
process with gevent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from paychaos.common.errors import InputError, did_you_mean
from paychaos.common.paths import builtin_load_profiles_dir

PROFILE_DIR = builtin_load_profiles_dir()
DEFAULT_PROFILE = "brownout"


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    summary: str
    threshold: float


def _read(path: Path) -> Profile:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    threshold = 70.0
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "THRESHOLD"
                                                 for t in node.targets)):
            threshold = float(ast.literal_eval(node.value))
    return Profile(path.stem.replace("_", "-"), path, doc[0] if doc else "", threshold)


def available(directory: Path = PROFILE_DIR) -> dict[str, Profile]:
    return {p.name: p for p in map(_read, sorted(directory.glob("[!_]*.py")))}


def resolve(name: str | None, directory: Path = PROFILE_DIR) -> Profile:
    """A profile by name (`flash-sale` or `flash_sale`), or a locustfile path of the user's own."""
    name = name or DEFAULT_PROFILE
    if name.endswith(".py"):
        path = Path(name)
        if not path.is_file():
            raise InputError(f"no such locustfile '{name}'", field="PROFILE",
                             valid=", ".join(available(directory)) + " or a path to a locustfile")
        return _read(path.resolve())
    profiles = available(directory)
    key = name.replace("_", "-")
    if key not in profiles:
        raise InputError(f"unknown load profile '{name}'{did_you_mean(key, profiles)}",
                         field="PROFILE", valid=", ".join(profiles))
    return profiles[key]
