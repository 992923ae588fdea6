"""Willow, a shop with its own checkout page on stripe.js (tests/shops/willow), through `paychaos run`
in flow `browser`: real Chromium opens the page, types the card into the stand-in's fields, clicks
Pay, and what the page shows is what is scored (docs/browser.md). The clean page gets no serious
finding; each planted page defect is found in the prompt dimension."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from paychaos.driver import cdp
from tests.shops.shop_runs import ROOT, findings, paychaos_run, planted, prompt_findings

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(cdp.find_chromium() is None, reason="no Chromium (ci/setup.sh installs it)")]

TARGET = "tests/shops/willow/target.yaml"
GARBAGE = "../tests/shops/willow/page-confirm-garbage"     # paychaos_run prefixes scenarios/ and adds .yaml
QUICK = "../tests/shops/willow/page-decline-quick"
SCENARIOS = ("healthy-baseline", "three-ds-failed", "three-ds-abandoned", "decline-test-cards", GARBAGE)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, SCENARIOS, {"WILLOW_DEFECTS": ""})


def test_the_clean_page_passes_with_no_serious_finding(clean):
    for name, sc in clean.items():
        assert sc["error"] is None and not sc["inconclusive"], (name, sc["error"], sc["inconclusive"])
        assert sc["passed"] and not findings(sc), (name, findings(sc))


def test_what_the_page_shows_is_what_is_scored(clean):
    paid = clean["healthy-baseline"]["checkouts"]
    assert {(c["status"], c["message"]) for c in paid} == {
        ("paid", "Thank you! Payment received. Your tea is on its way.")}   # the return page's own words
    declined = {c["expected"]: c["message"] for c in clean["decline-test-cards"]["checkouts"]}
    assert declined["declined:expired_card"] == ("Your card has expired. You can try again with another card or "
                                                "another payment method.")
    failed_3ds = clean["three-ds-failed"]["checkouts"]
    assert {c["status"] for c in failed_3ds} == {"failed"}
    assert all("did not go through" in c["message"] for c in failed_3ds)
    left = clean["three-ds-abandoned"]["checkouts"]
    assert {(c["status"], c["raw_status"]) for c in left} == {("pending", "three_ds_abandoned")}


def test_the_browsers_calls_go_through_the_proxy_and_are_the_customers_not_the_merchants(clean):
    timeline = clean["three-ds-failed"]["timeline"]
    paths = [x["path"] for x in timeline if x["direction"] == "to_gateway"]
    assert "/v3" in paths                                           # stripe.js itself, through the proxy
    assert any(p.endswith("/confirm") for p in paths)               # the page's confirm
    assert any(p.startswith("/_3ds/") for p in paths)               # the bank's challenge page
    assert not findings(clean["three-ds-failed"], "retry.bounded")  # the browser's calls are not the shop's retries


def test_customers_not_paid_have_a_screenshot_of_the_page_and_paid_ones_none(clean):
    for c in clean["decline-test-cards"]["checkouts"]:
        assert c["screenshot"].startswith("data:image/jpeg;base64,")
        assert base64.b64decode(c["screenshot"].split(",", 1)[1])[:3] == b"\xff\xd8\xff"   # a JPEG
    assert all(c["screenshot"] is None for c in clean["healthy-baseline"]["checkouts"])


def test_an_unreadable_answer_is_looked_up_before_the_page_says_anything(clean):
    sc = clean["page-confirm-garbage"]
    assert sc["faults_applied"]                                        # the confirm did get garbage
    assert {c["status"] for c in sc["checkouts"]} == {"paid"}          # the charge went through: said so


def test_planted_thanks_on_the_success_url_is_a_critical_status_finding(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "three-ds-failed", WILLOW_DEFECTS="trust_success_url")
    found = prompt_findings(sc, "prompt.status_right", ("critical",))
    assert found and "no gateway holds the money" in found[0]["message"]
    assert found[0]["evidence"]["examples"][0]["message"] == "Thanks! Payment received. Your tea is on its way."


def test_planted_silence_on_failure_is_an_answer_without_a_message(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "decline-test-cards", WILLOW_DEFECTS="silent_failure")
    found = prompt_findings(sc, "prompt.message_fits")
    assert found and "without any message" in found[0]["message"]
    assert {c["raw_status"] for c in sc["checkouts"]} == {"nothing_shown"}


def test_planted_raw_technical_message_is_a_leak(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, GARBAGE, WILLOW_DEFECTS="raw_error")
    leaks = prompt_findings(sc, "prompt.no_leaks", ("major",))
    assert leaks and leaks[0]["evidence"]["leak"] == "raw HTML"
    assert all(c["message"].startswith("Invalid JSON received from the Stripe API") for c in sc["checkouts"])


def test_planted_endless_spinner_breaks_the_answer_budget(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, QUICK, WILLOW_DEFECTS="endless_spinner")
    found = prompt_findings(sc, "prompt.answer_budget", ("major",))
    assert found and "no answer at all" in found[0]["message"]
    assert {c["error"] for c in sc["checkouts"]} == {"no_answer_on_page"}


def test_a_selector_that_matches_nothing_on_the_page_is_exit_2_naming_the_key(tmp_path):
    target = (ROOT / TARGET).read_text().replace('submit: "#submit"', 'submit: "#pay-button"').replace(
        'cwd: "../../.."', f'cwd: "{ROOT}"')
    path = tmp_path / "target.yaml"
    path.write_text(target)
    out = subprocess.run([sys.executable, "-m", "paychaos.cli", "run", "scenarios/healthy-baseline.yaml",
                          "--target", str(path), "--report-dir", str(tmp_path / "r")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "checkout.page.submit: the selector '#pay-button' matches nothing on the checkout page" in out.stderr
    assert "Traceback" not in out.stderr


def test_without_a_browser_the_scenario_is_errored_not_scored(tmp_path_factory):
    sc = paychaos_run(tmp_path_factory, TARGET, ("healthy-baseline",),
                      {"WILLOW_DEFECTS": "", "PAYCHAOS_CHROMIUM": "/nonexistent/chromium"})["healthy-baseline"]
    assert sc["error"] and "the browser failed: no Chromium found" in sc["error"]
    assert not sc["passed"] and {f["rule"] for f in findings(sc)} == {"run.error"}   # nothing about the shop
