"""Willow's card page (tests/shops/willow, GET /card): the older Card Element shape (`elements.create('card')`,
the order placed on Pay, `stripe.confirmCardPayment(secret, {payment_method: {card, billing_details}})`, a
card error shown from `result.error.message`), through `paychaos run` in flow `browser` with real
Chromium. The target names no order-status endpoint, as Stripe's card samples offer none: what the page
shows is the only answer. The clean page passes; each planted page defect is found in the prompt
dimension, and nothing is claimed about the merchant's order book that was not observed."""

from __future__ import annotations

import pytest

from paychaos.driver import cdp
from tests.shops.shop_runs import ANY, findings, paychaos_run, planted, prompt_findings

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(cdp.find_chromium() is None, reason="no Chromium (ci/setup.sh installs it)")]

TARGET = "tests/shops/willow/target-card.yaml"
QUICK = "../tests/shops/willow/page-decline-quick"     # paychaos_run prefixes scenarios/ and adds .yaml
SCENARIOS = ("healthy-baseline", "decline-test-cards", "three-ds-failed", "confirm-response-lost")
PAID = "Thank you! Payment received. Your tea is on its way."


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return paychaos_run(tmp_path_factory, TARGET, SCENARIOS, {"WILLOW_DEFECTS": ""})


def test_the_clean_card_page_passes_with_no_finding(clean):
    for name, sc in clean.items():
        assert sc["error"] is None and not sc["inconclusive"], (name, sc["error"], sc["inconclusive"])
        assert sc["passed"] and not findings(sc, severities=ANY), (name, findings(sc))


def test_what_the_customer_sees_on_the_card_page(clean):
    assert {(c["status"], c["message"]) for c in clean["healthy-baseline"]["checkouts"]} == {("paid", PAID)}
    declined = {c["expected"]: c["message"] for c in clean["decline-test-cards"]["checkouts"]}
    # stripe.js's own words for the card problem, then Willow's next step
    assert declined["declined:expired_card"] == "Your card has expired. Please check it, or pay with another card."
    assert declined["declined:incorrect_cvc"].startswith("Your card's security code is incorrect.")
    failed_3ds = clean["three-ds-failed"]["checkouts"]
    assert {c["status"] for c in failed_3ds} == {"failed"}
    assert all("failed authentication" in c["message"] for c in failed_3ds)
    timeline = clean["three-ds-failed"]["timeline"]
    assert any(x["path"].endswith("/confirm") for x in timeline if x["direction"] == "to_gateway")


def test_a_lost_confirm_answer_is_looked_up_and_the_customer_told_paid(clean):
    sc = clean["confirm-response-lost"]
    assert sc["faults_applied"]                                       # the browser's confirm lost its answer
    assert {(c["status"], c["message"]) for c in sc["checkouts"]} == {("paid", PAID)}


def test_planted_raw_error_after_a_lost_answer_is_told_failed_while_charged(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "confirm-response-lost", WILLOW_DEFECTS="raw_error")
    [told] = prompt_findings(sc, "prompt.status_right", ("critical",))
    assert "failed although the customer was charged" in told["message"]
    assert told["evidence"]["examples"][0]["message"].startswith("An error occurred with our connection to Stripe.")
    # the page's words are not the shop's order book: its server took the payment webhook, so no orphan
    assert not findings(sc, "integrity.no_orphan_charge")


def test_planted_silence_on_the_card_page_is_an_answer_without_a_message(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, "decline-test-cards", WILLOW_DEFECTS="silent_failure")
    found = prompt_findings(sc, "prompt.message_fits")
    assert found and "without any message" in found[0]["message"]
    assert {c["raw_status"] for c in sc["checkouts"] if c["status"] != "paid"} == {"nothing_shown"}


def test_planted_endless_spinner_on_the_card_page_breaks_the_answer_budget(tmp_path_factory):
    sc = planted(tmp_path_factory, TARGET, QUICK, WILLOW_DEFECTS="endless_spinner")
    found = prompt_findings(sc, "prompt.answer_budget", ("major",))
    assert found and "no answer at all" in found[0]["message"]
    assert {c["error"] for c in sc["checkouts"]} == {"no_answer_on_page"}
