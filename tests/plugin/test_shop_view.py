"""The docs' example from a shop's point of view (docs/reports.md, "From your shop's side"), run as
written: a project's conftest overrides `paychaos_target`, and its tests drive the shop's own API
(tests/shops/lantern, a Flask shop) under faults through the plugin's fixtures."""

from pathlib import Path

import pytest

from tests.docs.snippets import snippets

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LANTERN = REPO / "tests" / "shops" / "lantern" / "target.yaml"


def shop_files() -> dict[str, str]:
    doc = REPO / "docs" / "reports.md"
    files = {}
    for snip in snippets(doc):
        first = snip.text.splitlines()[0]
        if snip.lang == "python" and first.startswith("# ") and first[2:].endswith(".py") and " " not in first[2:]:
            files[first[2:]] = snip.text
    assert {"conftest.py", "test_checkout_under_chaos.py"} <= set(files), files.keys()
    return files


def test_the_shop_side_example_runs_against_a_shop_of_our_own(pytester):
    files = shop_files()
    conftest = files["conftest.py"]
    assert '"paychaos/target.yaml"' in conftest
    pytester.makeconftest(conftest.replace('"paychaos/target.yaml"', repr(str(LANTERN))))
    pytester.makepyfile(test_checkout_under_chaos=files["test_checkout_under_chaos.py"])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", timeout=240)
    result.stdout.fnmatch_lines(["*PASSED*test_an_outage_is_explained_and_nothing_is_charged*",
                                 "*PASSED*test_a_lost_answer_charges_the_customer_once*"])
    assert result.ret == 0


def test_a_target_fixture_that_disagrees_with_the_one_scenario_files_use_is_refused(pytester):
    """Scenario files run against --paychaos-target; once they have started the services, a conftest's
    paychaos_target naming another shop fails the fixture's tests saying so, instead of silently
    testing the wrong merchant."""
    pytester.makeini("[pytest]\npaychaos_scenarios = scenarios\n")
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "a.yaml").write_text(
        "name: healthy-one\ncause: healthy\ncustomers: {count: 1}\nfaults: []\n")
    pytester.makeconftest("import pytest\n\n@pytest.fixture(scope='session')\n"
                          "def paychaos_target():\n    return 'naive'\n")
    pytester.makepyfile(test_z="def test_z(paychaos_gateway):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--paychaos-target", "resilient", "-rA",
                                           timeout=240)
    text = result.stdout.str()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*PASSED scenarios/a.yaml::healthy-one*"])
    assert "paychaos: paychaos_target: the paychaos_target fixture names naive, but this pytest process " \
           "already runs against resilient" in text
    assert "Traceback" not in text and "pytest_plugin.py" not in text
