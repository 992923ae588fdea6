"""The import rules of docs/ARCHITECTURE.md ("Layers: who may import whom"), checked on the source."""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package (glob) -> what it may import of paychaos (globs); anything of paychaos not listed is a violation
ALLOWED = {
    "paychaos.common*": [],
    "paychaos.gateway*": ["paychaos.common*"],
    "paychaos.merchants*": ["paychaos.common*"],
    "paychaos.proxies*": ["paychaos.proxies*", "paychaos.common*", "paychaos.scenario.model"],
    "paychaos.scenario*": ["paychaos.common*", "paychaos.scenario*", "paychaos.proxies.rules", "paychaos.proxies.faults*"],
    "paychaos.observations": ["paychaos.scenario.model", "paychaos.target"],
    "paychaos.target": ["paychaos.common*", "paychaos.scenario*", "paychaos.target_page"],
    "paychaos.target_page": ["paychaos.common*", "paychaos.scenario*"],
    "paychaos.merchant_request": ["paychaos.common*", "paychaos.target"],
    "paychaos.driver*": ["paychaos.common*", "paychaos.scenario*", "paychaos.target", "paychaos.target_page",
                         "paychaos.merchant_request",
                         "paychaos.observations"],
    "paychaos.scoring*": ["paychaos.common*", "paychaos.scenario*", "paychaos.observations",
                           "paychaos.scoring*"],
    "paychaos.reporting*": ["paychaos", "paychaos.common*", "paychaos.scoring*", "paychaos.reporting*",
                             "paychaos.observations"],
    "paychaos.runner*": ["paychaos.common*", "paychaos.scenario*", "paychaos.target", "paychaos.driver",
                          "paychaos.observations", "paychaos.runner*", "paychaos.proxies.journal",
                          "paychaos.proxies.forward", "paychaos.scoring.orders"],
}


# repository folder -> the import package it is installed as (pyproject's package-dir)
FOLDERS = {"simulator": "paychaos", "proxies": "paychaos.proxies"}


def modules():
    for folder, package in FOLDERS.items():
        for path in sorted(ROOT.glob(f"{folder}/**/*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            yield ".".join((package, *parts)).removesuffix(".__init__"), path


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def rule_for(module: str) -> list[str] | None:
    """What the module's layer may import: the list above plus the layer's own modules."""
    matches = [pattern for pattern in ALLOWED if fnmatch(module, pattern)]
    if not matches:
        return None
    own = max(matches, key=len)
    return [*ALLOWED[own], own]


@pytest.mark.parametrize("module,path", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_module_imports_only_what_its_layer_may(module, path):
    allowed = rule_for(module)
    if allowed is None:
        return  # the top layers (cli, pytest plugin, load) may import any part
    ours = {m for m in imports_of(path) if m.split(".")[0] == "paychaos"}
    bad = sorted(m for m in ours if not any(fnmatch(m, a) for a in allowed))
    assert not bad, f"{module} imports {bad}; its layer may import {allowed}"


@pytest.mark.parametrize("module,path", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_nothing_imported_in_process_imports_locust(module, path):
    """Locust monkey-patches the process with gevent: it runs only as a subprocess (scenarios/load)."""
    assert not any(m == "locust" or m.startswith("locust.") for m in imports_of(path)), module


@pytest.mark.parametrize("module,path", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_nothing_imports_the_stripe_sdk(module, path):
    """The base install runs the reference merchants without the stripe SDK (they speak HTTP): only the
    test shops and the tests import it, so a shop on any stripe major can install paychaos beside it."""
    assert not any(m == "stripe" or m.startswith("stripe.") for m in imports_of(path)), module
