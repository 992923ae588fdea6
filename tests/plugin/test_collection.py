"""Which YAML files the plugin collects as scenario tests, and which it leaves alone."""

import sys

SCENARIO = """\
name: {name}
cause: healthy
description: no faults at all
customers: {{count: 1}}
faults: []
"""


AUTODETECT = "[pytest]\npaychaos_autodetect = true\n"


def test_without_opting_in_no_yaml_is_collected(pytester):
    pytester.makefile(".yaml", baseline=SCENARIO.format(name="healthy-one"))
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["*test_plain*", "*1 test collected*"])
    assert "healthy-one" not in result.stdout.str()


def test_scenario_shaped_yaml_is_one_test_and_other_yaml_is_left_alone(pytester):
    pytester.makeini(AUTODETECT)
    pytester.makefile(".yaml", baseline=SCENARIO.format(name="healthy-one"))
    pytester.makefile(".yaml", config="name: app\nsettings: {debug: true}\n")     # no cause/faults
    pytester.makefile(".yml", compose="services: {web: {image: nginx}}\ncause: x\n")  # has 'cause' only
    pytester.makefile(".yaml", broken="name: [unclosed\ncause: faults:\n")       # not even YAML
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["baseline.yaml::healthy-one", "*1 test collected*"])
    assert "config.yaml" not in result.stdout.str() and "broken" not in result.stdout.str()
    assert result.ret == 0


def test_directory_named_in_ini_is_collected_without_autodetect(pytester):
    pytester.makeini("[pytest]\npaychaos_scenarios = chaos\n")
    pytester.mkdir("chaos")
    pytester.path.joinpath("chaos", "one.yaml").write_text(SCENARIO.format(name="in-dir"))
    pytester.path.joinpath("elsewhere.yaml").write_text(SCENARIO.format(name="not-named"))
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["chaos/one.yaml::in-dir", "*1 test collected*"])
    assert "not-named" not in result.stdout.str()


def test_invalid_scenario_fails_with_file_field_and_valid_forms(pytester):
    pytester.makeini(AUTODETECT)
    pytester.makefile(".yaml", typo=SCENARIO.format(name="typo").replace("cause: healthy", "cause: gateway_outrage"))
    result = pytester.runpytest("-q")
    assert result.ret == 1
    text = result.stdout.str()
    assert "invalid scenario file:" in text and "typo.yaml: cause:" in text and "gateway_outage" in text
    assert "Traceback" not in text


def test_plugin_adds_no_host_option_and_lists_its_fixtures(pytester):
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--fixtures")
    text = result.stdout.str()
    for name in ("paychaos_gateway", "paychaos_proxy", "paychaos_merchant", "chaos"):
        assert name in text
    assert result.ret == 0
    help_text = pytester.runpytest("--help").stdout.str()
    assert "--paychaos-target" in help_text and "paychaos_scenarios" in help_text


def test_fault_free_baseline_with_a_paychaos_cause_is_collected(pytester):
    pytester.makeini(AUTODETECT)
    pytester.makefile(".yaml", base="name: base-one\ncause: healthy\ncustomers: {count: 1}\n")
    pytester.makefile(".yaml", other="name: deploy\ncause: upgrade\n")  # not a paychaos cause, no faults
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["base.yaml::base-one", "*1 test collected*"])


def test_plugin_never_imports_locust(pytester):
    code = ("import sys, paychaos.pytest_plugin; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')]; print(bad)")
    result = pytester.run(sys.executable, "-c", code)
    assert result.ret == 0 and result.outlines[-1] == "[]"


def test_an_inconclusive_scenario_fails_its_test_naming_the_reason():
    from paychaos.pytest_plugin import failure_text
    entry = {"name": "outage", "cause": "gateway_outage", "score": {"total": 100.0}, "required": 80,
             "inconclusive": ["none of the scenario's fault rules applied to any call"], "findings": []}
    text = failure_text(entry)
    assert "inconclusive: none of the scenario's fault rules applied to any call" in text
