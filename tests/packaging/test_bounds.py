"""ci/constraints-lowest.txt pins what pyproject.toml names at the lower bound it states, so what
ci/test-lowest.sh installs and tests is the bounds themselves; a bound changed in one file and not the
other fails here."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def lower_bounds() -> dict[str, Version]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    bounds = {}
    for req in reqs:
        # an exact pin (==, the Alipay SDKs) is its own lower bound
        [low] = [Version(s.version) for s in req.specifier if s.operator in (">=", "==")]
        bounds[canonicalize_name(req.name)] = low
    return bounds


def pins() -> dict[str, Version]:
    found = {}
    for line in (ROOT / "ci" / "constraints-lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            found[canonicalize_name(name)] = Version(version)
    return found


def test_every_stated_lower_bound_is_pinned_for_the_lowest_run():
    assert pins() == lower_bounds()


def test_the_extras_are_base_test_load_and_dev_and_dev_is_the_other_two():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert sorted(extras) == ["dev", "load", "test"]
    assert extras["dev"] == ["paychaos[load,test]"]
