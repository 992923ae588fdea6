"""Scenario files run as pytest tests against real services: pass at the threshold, fail with the
findings as the failure text."""

from pathlib import Path

import pytest

from tests.cli.test_run_e2e import HEALTHY, OUTAGE

pytestmark = pytest.mark.slow

NAIVE = str(Path(__file__).resolve().parents[2] / "simulator" / "merchants" / "targets" / "naive.yaml")


def test_scenarios_pass_against_the_resilient_merchant_under_xdist(pytester):
    pytester.makeini("[pytest]\npaychaos_scenarios = .\n")
    pytester.makefile(".yaml", healthy=HEALTHY, outage=OUTAGE)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "-rA", timeout=240)
    result.stdout.fnmatch_lines(["*PASSED healthy.yaml::healthy-two*", "*PASSED outage.yaml::outage-two*"])
    assert result.ret == 0


def test_a_scenario_short_of_its_threshold_fails_with_its_findings(pytester):
    pytester.makeini("[pytest]\npaychaos_scenarios = .\n")
    pytester.makefile(".yaml", outage=OUTAGE)
    # the built-in target by name: a path outside the project would move pytest's rootdir there
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--paychaos-target", "naive",
                                           "--junitxml=out.xml", timeout=240)
    assert result.ret == 1
    text = result.stdout.str()
    assert "outage-two (gateway_outage): score" in text and "(required 80)" in text
    assert "[major] fallback" in text       # naive never tries the backup gateway
    assert "Traceback" not in text
    junit = pytester.path.joinpath("out.xml").read_text()
    assert 'name="outage-two"' in junit and "<failure" in junit


def test_a_fixed_port_target_under_two_xdist_workers_fails_naming_base_url(pytester):
    pytester.makeini("[pytest]\npaychaos_scenarios = .\n")
    pytester.makefile(".yaml", healthy=HEALTHY)
    fixed = pytester.path / "fixed.yaml"
    fixed.write_text(Path(NAIVE).read_text().replace('base_url: "http://127.0.0.1:{port}"',
                                                     'base_url: "http://127.0.0.1:8000"'))
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "--paychaos-target", str(fixed),
                                           timeout=120)
    assert result.ret == 1
    text = result.stdout.str()
    assert "base_url: 'http://127.0.0.1:8000' is one fixed address, but pytest -n (xdist) asks for 2" in text
    assert "Traceback" not in text
