"""The reference pages cover what the code registers: every fault and its parameters, every scoring
rule, every cause, action, scenario key and built-in scenario, every target placeholder; and the
links of the docs this suite owns lead somewhere, down to the heading."""

import re
from pathlib import Path

import pytest

from paychaos.proxies.faults import REGISTRY
from paychaos.scenario.load import CUSTOMER_KEYS, EXPECT_KEYS, TOP_KEYS, load_scenarios
from paychaos.scenario.model import PROMPT_CATEGORIES, Action, Cause
from paychaos.scoring import all_rules
from paychaos.target import CHECKOUT_PLACEHOLDERS, RUN_PLACEHOLDERS
from tests.docs.test_snippets import DOCS as OWN_DOCS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REF = DOCS / "reference"


def row(text: str, name: str) -> str | None:
    return next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), None)


def test_every_fault_and_parameter_is_documented():
    text = (REF / "faults.md").read_text()
    for name, fault in REGISTRY.items():
        line = row(text, name)
        assert line, f"fault {name} missing from faults.md"
        for param in fault.params():
            assert f"`{param.name}`" in line, f"{name}.{param.name} missing from its row in faults.md"


def test_every_scoring_rule_says_when_what_how_bad_and_why():
    text = (DOCS / "scoring.md").read_text()
    for r in all_rules():
        line = row(text, r.name)
        assert line, f"rule {r.name} missing from scoring.md"
        cells = [c for c in line.split(" | ") if c.strip(" |")]
        assert len(cells) == 5, f"{r.name}: needs applies when, checks, severity and why"


def test_scenario_reference_names_every_key_cause_action_and_prompt_category():
    text = (REF / "scenario-file.md").read_text()
    words = [*TOP_KEYS, *CUSTOMER_KEYS, *EXPECT_KEYS, *(c.value for c in Cause), *(a.value for a in Action),
             *PROMPT_CATEGORIES]
    missing = [w for w in words if f"`{w}`" not in text]
    assert not missing, f"scenario-file.md does not mention {missing}"


def test_scenario_reference_lists_the_built_in_suite():
    suite = (REF / "scenario-file.md").read_text().split("## The built-in suite", 1)[1]
    missing = [sc.name for sc in load_scenarios() if not re.search(rf"\b{re.escape(sc.name)}\b", suite)]
    assert not missing, f"the built-in suite table of scenario-file.md lacks {missing}"


def test_target_reference_names_every_placeholder():
    text = (REF / "target-file.md").read_text()
    missing = [p for p in (*RUN_PLACEHOLDERS, *CHECKOUT_PLACEHOLDERS) if f"{{{p}}}" not in text]
    assert not missing, f"target-file.md does not mention {missing}"


def anchors(doc: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to '-' (fenced code skipped)."""
    text = re.sub(r"^```.*?^```", "", doc.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


@pytest.mark.parametrize("doc", OWN_DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc):
    text = re.sub(r"^```.*?^```", "", doc.read_text(encoding="utf-8"), flags=re.S | re.M)
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        path = (doc.parent / target) if target else doc
        assert path.exists(), f"{doc.name}: broken link {target}"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"{doc.name}: no heading #{anchor} in {target or doc.name}"
