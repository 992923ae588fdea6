"""The reference pages cover what the code registers: every fault and its parameters, every scoring
rule, every cause, action and scenario key; and their relative links lead somewhere."""

import re
from pathlib import Path

import pytest

from proxies.faults import REGISTRY
from simulator.scenario.load import CUSTOMER_KEYS, EXPECT_KEYS, TOP_KEYS
from simulator.scenario.model import PROMPT_CATEGORIES, Action, Cause
from simulator.scoring import all_rules
from simulator.target import CHECKOUT_PLACEHOLDERS, RUN_PLACEHOLDERS

DOCS = Path(__file__).resolve().parents[2] / "docs"
REF = DOCS / "reference"


def test_every_fault_and_parameter_is_documented():
    text = (REF / "faults.md").read_text()
    for name, fault in REGISTRY.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row, f"fault {name} missing from faults.md"
        for param in fault.params():
            assert f"`{param.name}`" in row, f"{name}.{param.name} missing from its row in faults.md"


def test_every_scoring_rule_says_what_and_why():
    text = (REF / "scoring-rules.md").read_text()
    for r in all_rules():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{r.name}` |")), None)
        assert row, f"rule {r.name} missing from scoring-rules.md"
        assert len([c for c in row.split("|") if c.strip()]) == 3, f"{r.name}: needs checks and why"


def test_scenario_reference_names_every_key_cause_action_and_prompt_category():
    text = (REF / "scenario-file.md").read_text()
    words = [*TOP_KEYS, *CUSTOMER_KEYS, *EXPECT_KEYS, *(c.value for c in Cause), *(a.value for a in Action),
             *PROMPT_CATEGORIES]
    missing = [w for w in words if f"`{w}`" not in text]
    assert not missing, f"scenario-file.md does not mention {missing}"


def test_target_reference_names_every_placeholder():
    text = (REF / "target-file.md").read_text()
    missing = [p for p in (*RUN_PLACEHOLDERS, *CHECKOUT_PLACEHOLDERS) if f"{{{p}}}" not in text]
    assert not missing, f"target-file.md does not mention {missing}"


OWN_DOCS = [DOCS / "quickstart.md", DOCS / "ci.md", DOCS / "README.draft.md", *sorted(REF.glob("*.md"))]


@pytest.mark.parametrize("doc", OWN_DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc):
    base = DOCS.parent if doc.name == "README.draft.md" else doc.parent   # the draft becomes README.md
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
        if "://" in target:
            continue
        assert (base / target).exists(), f"{doc.name}: broken link {target}"
