"""`requires: [backup]`: read from a scenario file, refused when unknown, and an unmet requirement makes
the scenario inconclusive (paychaos.scoring.inconclusive.requirement_unmet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paychaos.common.errors import InputError
from paychaos.scenario.load import load_scenarios, parse_scenario
from paychaos.scoring import inconclusive
from paychaos.scoring.testing import Run


def test_requires_is_read_and_defaults_to_nothing():
    assert parse_scenario({"name": "a", "cause": "healthy"}, file="a.yaml").requires == ()
    sc = parse_scenario({"name": "a", "cause": "gateway_outage", "requires": ["backup", "backup"]}, file="a.yaml")
    assert sc.requires == ("backup",)


def test_an_unknown_requirement_names_the_field_and_the_valid_forms():
    with pytest.raises(InputError) as err:
        parse_scenario({"name": "a", "cause": "healthy", "requires": ["backpu"]}, file="a.yaml")
    text = str(err.value)
    assert "a.yaml" in text and "requires" in text and "backup" in text


def test_the_builtin_fallback_scenarios_require_a_backup():
    root = Path(__file__).resolve().parents[2] / "scenarios" / "alipay"
    found = {sc.name: sc.requires for sc in load_scenarios([str(root)])}
    assert found["alipay-outage-fallback"] == ("backup",)
    assert found["alipay-answer-lost-fallback"] == ("backup",)


@pytest.mark.parametrize("backup, unmet", [(False, True), (True, False)])
def test_an_unmet_requirement_is_inconclusive(backup, unmet):
    obs = Run(cause="gateway_outage", backup=backup).observations()
    obs.scenario = parse_scenario({"name": "a", "cause": "gateway_outage", "requires": ["backup"]}, file="a.yaml")
    out = inconclusive.Assessment()
    inconclusive.requirement_unmet(obs, out)
    assert bool(out.reasons) is unmet
