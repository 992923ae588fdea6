import html

from paychaos.reporting.entries import scenario_entry
from paychaos.reporting.suite import exit_code
from tests.reporting.samples import WHOLE_PAN, outage_observations, outage_score, sample_report


def test_entry_uses_own_threshold_unless_min_score_given():
    own = scenario_entry(outage_score(72.5), outage_observations())
    assert own["required"] == 80 and own["passed"] is False
    lowered = scenario_entry(outage_score(72.5), outage_observations(), min_score=70)
    assert lowered["required"] == 70 and lowered["passed"] is True


def test_entry_carries_measurements_masked_and_findings_worst_first():
    entry = scenario_entry(outage_score(), outage_observations())
    assert [f["severity"] for f in entry["findings"]] == ["critical", "minor"]
    assert entry["gateway_calls"] == 5 and entry["faults_applied"] == 3
    assert entry["money"]["backup"]["captured"] == 1299
    assert entry["timeline"][0]["faults"] == ["http_error"] and entry["timeline"][0]["t_s"] == 0.01  # time zero: the first checkout
    assert WHOLE_PAN not in repr(entry)
    assert "400000******9995" in entry["checkouts"][1]["payment"]
    # which route tied each order's money, per order and on each checkout row
    assert {route for routes in entry["money_tied_by"].values() for route in routes.values()} == {"metadata"}
    assert any(c["tied_by"] == ["metadata"] for c in entry["checkouts"])


def test_observation_errors_make_an_errored_entry():
    obs = outage_observations()
    obs.errors.append("merchant died mid-scenario")
    entry = scenario_entry(outage_score(100.0), obs)
    assert entry["error"] == "merchant died mid-scenario" and entry["passed"] is False


def test_one_verdict_for_the_suite():
    failing = sample_report()
    assert failing["passed"] is False and exit_code(failing) == 1
    assert failing["counts"] == {"scenarios": 3, "passed": 1, "failed": 1, "errored": 1, "inconclusive": 0,
                                 "not_run": 0}
    assert failing["total"] == 86.2  # mean of the scored scenarios: (100 + 72.5) / 2
    passing = sample_report(min_score=70, with_error=False)
    assert passing["counts"]["not_run"] == 1 and passing["passed"] is False  # one planned never finished
    interrupted = sample_report(interrupted=True)
    assert exit_code(interrupted) == 130 and interrupted["interrupted"] is True


def test_all_scenarios_meeting_the_score_pass():
    from paychaos.reporting.entries import scenario_entry as entry_of
    from paychaos.reporting.suite import SuiteReport
    from tests.reporting.samples import healthy_score
    suite = SuiteReport(["healthy-baseline", "gateway-outage-full"], target="resilient", min_score=70)
    suite.add(entry_of(healthy_score(), min_score=70))
    suite.add(entry_of(outage_score(72.5), outage_observations(), min_score=70))
    report = suite.to_dict()
    assert report["passed"] is True and exit_code(report) == 0


def _inconclusive_suite(allow: bool):
    from paychaos.reporting.entries import scenario_entry as entry_of
    from paychaos.reporting.suite import SuiteReport
    from tests.reporting.samples import healthy_score
    suite = SuiteReport(["healthy-baseline", "gateway-outage-full"], target="shop", allow_inconclusive=allow)
    suite.add(entry_of(healthy_score()))
    unsure = dict(outage_score(100.0), inconclusive=["none of the scenario's fault rules applied to any call"])
    suite.add(entry_of(unsure, outage_observations()))
    return suite.to_dict()


def test_an_inconclusive_scenario_never_passes_and_fails_the_run_unless_allowed():
    from paychaos.reporting import junit
    from paychaos.reporting.console import render_table
    report = _inconclusive_suite(allow=False)
    entry = report["scenarios"][1]
    assert entry["score"]["total"] == 100.0 and entry["passed"] is False    # a perfect score, no verdict
    assert report["counts"]["inconclusive"] == 1 and report["counts"]["failed"] == 0
    assert report["passed"] is False and exit_code(report) == 1
    table = render_table(report)
    assert "INCONCLUSIVE" in table and "none of the scenario's fault rules applied" in table
    xml = junit.render(report)
    assert 'type="paychaos.inconclusive"' in xml and 'failures="1"' in xml
    from paychaos.reporting import html_report
    page = html_report.render(report)
    assert "Inconclusive: this run cannot carry a verdict." in page and ">INCONCLUSIVE<" in page
    assert "none of the scenario's fault rules applied" in html.unescape(page)
    fix = html.unescape(page[page.index('id="what-to-fix"'):page.index("</section>", page.index('id="what-to-fix"'))])
    assert "Could not be judged" in fix and "none of the scenario's fault rules applied" in fix

    allowed = _inconclusive_suite(allow=True)
    assert allowed["passed"] is True and exit_code(allowed) == 0
    assert allowed["scenarios"][1]["passed"] is False                         # still not "passed"
    assert "1 inconclusive (allowed)" in render_table(allowed)
    xml = junit.render(allowed)
    assert "<skipped" in xml and 'failures="0"' in xml
