"""prompt rules on hand-made observations: what the customer was told, and when."""

import json

from paychaos.observations import Dimension, Severity
from paychaos.scoring import score
from paychaos.scoring.testing import Run, fault
from tests.scoring.conftest import by_rule

OUTAGE = [fault("http_error", status=503)]


def declined(run, oid, code, message, *, locale="en_US", alternatives=None):
    run.exchange(oid, card_error=code)
    run.checkout(oid, "failed", expected=f"declined:{code}", message=message, locale=locale,
                 alternatives=alternatives)
    run.state(oid, "failed")


def test_told_failed_while_charged_is_critical_with_the_charge_as_evidence():
    run = Run(cause="ambiguous_outcome", faults=[fault("response_lost")])
    run.exchange("ord_1", None, error="reset")
    run.charge("ord_1")
    run.checkout("ord_1", "failed")
    run.state("ord_1", "failed")
    result = score(run.observations())
    [found] = by_rule(result, "prompt.status_right")
    assert found.severity == Severity.CRITICAL and found.dimension == Dimension.PROMPT
    assert found.evidence["order_ids"] == ["ord_1"]
    assert found.evidence["examples"][0]["charges"][0]["id"] == "ch_p0001"
    assert result.total <= 50


def test_told_paid_without_any_charge_is_critical():
    run = Run()
    run.exchange("ord_1", 200)
    run.checkout("ord_1", "paid")
    [found] = by_rule(score(run.observations()), "prompt.status_right")
    assert found.severity == Severity.CRITICAL and "no gateway holds the money" in found.message


def test_money_on_the_backup_gateway_counts_as_charged():
    run = Run(cause="gateway_outage", faults=OUTAGE, backup=True)
    run.exchange("ord_1", 503)
    run.exchange("ord_1", 200, at=0.3, upstream="backup")
    run.charge("ord_1", gateway="backup")
    run.checkout("ord_1", "paid")
    run.state("ord_1", "paid")
    result = score(run.observations())
    assert by_rule(result, "prompt.status_right") == []
    assert result.prompt == 100 and result.integrity == 100


def test_specific_messages_in_english_and_chinese_fit():
    run = Run(cause="account_problem")
    declined(run, "ord_1", "insufficient_funds",
             "Your card was declined because of insufficient funds. Please use another payment method.")
    declined(run, "ord_2", "insufficient_funds", "您的卡因余额不足被拒绝。请使用其他支付方式或联系您的银行。",
             locale="zh_CN")
    result = score(run.observations())
    assert by_rule(result, "prompt.message_fits") == []
    assert result.prompt == 100


def test_generic_message_for_a_specific_decline_is_a_minor_finding():
    run = Run(cause="account_problem")
    declined(run, "ord_1", "insufficient_funds", "Payment failed. Please use another payment method.")
    [found] = by_rule(score(run.observations()), "prompt.message_fits")
    assert found.severity == Severity.MINOR
    assert "do not say what happened" in found.message and "insufficient_funds" in found.message


def test_english_message_for_a_chinese_customer_is_wrong_language():
    run = Run(cause="account_problem")
    declined(run, "ord_1", "insufficient_funds",
             "Your card was declined: insufficient funds. Use another payment method.", locale="zh_CN")
    [found] = by_rule(score(run.observations()), "prompt.message_fits")
    assert "not in the customer's language" in found.message
    assert found.evidence["examples"][0]["locale"] == "zh_CN"


def test_missing_message_and_outage_wording():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="")
    run.exchange("ord_2", 503)
    run.checkout("ord_2", "failed", message="Card payments are temporarily unavailable, try again later.")
    found = by_rule(score(run.observations()), "prompt.message_fits")
    assert [f.evidence["order_ids"] for f in found] == [["ord_1"]]
    assert "without any message" in found[0].message


def test_scenario_expect_prompt_categories_decide_what_fits():
    run = Run(cause="gateway_outage", faults=OUTAGE, prompt=["support"])
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="Temporarily unavailable, try again later.")
    [found] = by_rule(score(run.observations()), "prompt.message_fits")
    assert "expected: support" in found.message


def test_paid_answers_are_judged_only_when_expect_prompt_lists_paid():
    run = Run(prompt=["paid"])
    run.paid("ord_1", locale="zh_CN")
    run.exchange("ord_2", 200)
    run.charge("ord_2")
    run.checkout("ord_2", "paid", message="OK")
    run.state("ord_2", "paid")
    [found] = by_rule(score(run.observations()), "prompt.message_fits")
    assert found.evidence["order_ids"] == ["ord_2"] and "expected: paid" in found.message
    run.scenario = Run(prompt=[]).scenario
    assert by_rule(score(run.observations()), "prompt.message_fits") == []


def test_a_paid_only_expect_prompt_does_not_demand_paid_words_in_failures():
    run = Run(cause="gateway_outage", faults=OUTAGE, prompt=["paid"])
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="Card payments are temporarily unavailable, try again later.")
    assert by_rule(score(run.observations()), "prompt.message_fits") == []


def test_revealing_a_stolen_card_decline_is_flagged():
    run = Run(cause="account_problem")
    declined(run, "ord_1", "stolen_card", "Your card was declined: it was reported stolen. Contact your bank.")
    found = by_rule(score(run.observations()), "prompt.message_fits")
    assert any("stolen_card" in f.message and "generic decline" in f.message for f in found)


def test_leaks_of_raw_json_exception_ids_keys_and_cards_are_major_and_masked_in_evidence():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    texts = {
        "ord_1": 'Payment failed: {"error": {"type": "api_error", "message": "boom"}}',
        "ord_2": "Payment failed: ConnectionError: ('Connection aborted.')",
        "ord_3": "Payment pi_3NaBcDeF12345 failed",
        "ord_4": "Payment failed for key sk_test_abcdef123456",
        "ord_5": "Card 4242424242424242 failed",
    }
    for oid, text in texts.items():
        run.exchange(oid, 503)
        run.checkout(oid, "failed", message=text)
    run.checkout("ord_6", "paid", pan_leaks=1)
    run.exchange("ord_6", 200)
    run.charge("ord_6")
    result = score(run.observations())
    found = {f.evidence["leak"]: f for f in by_rule(result, "prompt.no_leaks")}
    assert set(found) == {"raw gateway answer", "Stripe error type", "exception text", "Stripe object id",
                          "API key", "whole card number"}
    assert all(f.severity == Severity.MAJOR for f in found.values())
    assert found["whole card number"].evidence["order_ids"] == ["ord_5", "ord_6"]
    assert "PCI DSS" in found["whole card number"].message
    evidence = str(result.to_dict())
    assert "4242424242424242" not in evidence and "sk_test_abcdef123456" not in evidence
    assert "424242******4242" in evidence


def test_the_common_error_envelope_is_not_a_leak_but_gateway_internals_in_any_envelope_are():
    run = Run(cause="account_problem")
    human = '{"error": {"message": "Your card was declined. Please try a different card."}}'
    declined(run, "ord_1", "generic_decline", "Your card was declined. Please try a different card.")
    run.checkouts[-1].body = human
    declined(run, "ord_2", "generic_decline", "Request req_a1B2c3D4e5: Invalid API Key provided: sk_test_****1234")
    run.checkouts[-1].body = json.dumps({"problem": {"text": run.checkouts[-1].message}})
    declined(run, "ord_3", "generic_decline", None)
    run.checkouts[-1].body = json.dumps({"ok": False, "detail": "<html><head><title>502 Bad Gateway</title></head></html>"})
    declined(run, "ord_4", "generic_decline", "Your card was declined.")
    run.checkouts[-1].body = json.dumps({"error": {"type": "card_error", "code": "card_declined",
                                                   "decline_code": "generic_decline", "message": "Your card was declined.",
                                                   "doc_url": "https://stripe.com/docs/error-codes/card-declined"}})
    found = {f.evidence["leak"]: f.evidence["order_ids"] for f in by_rule(score(run.observations()), "prompt.no_leaks")}
    assert "ord_1" not in str(found)
    assert found["gateway request id"] == ["ord_2"] and found["gateway key error"] == ["ord_2"]
    assert found["raw HTML"] == ["ord_3"]
    assert found["raw gateway answer"] == ["ord_4"]


def test_human_messages_leak_nothing():
    run = Run(cause="account_problem")
    declined(run, "ord_1", "generic_decline",
             "Your card was declined. Please use another payment method or contact your bank.")
    assert by_rule(score(run.observations()), "prompt.no_leaks") == []


def test_failure_without_next_step_is_minor_and_alternatives_count_as_one():
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="Card payments are temporarily unavailable.", alternatives=[])
    run.exchange("ord_2", 503)
    run.checkout("ord_2", "failed", message="Card payments are temporarily unavailable.",
                 alternatives=["alipay"])
    [found] = by_rule(score(run.observations()), "prompt.next_step")
    assert found.severity == Severity.MINOR and found.evidence["order_ids"] == ["ord_1"]


def test_answer_budget_no_answer_is_major_slow_is_minor():
    run = Run(cause="timeout", faults=[fault("hang")], answer_budget_s=5)
    run.paid("ord_ok")
    run.exchange("ord_slow", 200)
    run.charge("ord_slow")
    run.checkout("ord_slow", "paid", elapsed_s=6.5)
    run.exchange("ord_very", 200)
    run.charge("ord_very")
    run.checkout("ord_very", "paid", elapsed_s=12.0)
    run.checkout("ord_none", None, elapsed_s=None, error="timeout")
    found = {f.severity: f for f in by_rule(score(run.observations()), "prompt.answer_budget")}
    assert found[Severity.MINOR].evidence["order_ids"] == ["ord_slow"]
    assert found[Severity.MINOR].evidence["timings"][0]["elapsed_ms"] == 6500
    majors = [f for f in by_rule(score(run.observations()), "prompt.answer_budget") if f.severity == Severity.MAJOR]
    assert sorted(o for f in majors for o in f.evidence["order_ids"]) == ["ord_none", "ord_very"]


def test_a_bare_server_error_is_not_an_answer_and_expect_outcome_is_honoured():
    run = Run(cause="rate_limit", faults=[fault("rate_limit")], outcome="paid", backup=True)
    run.exchange("ord_1", 429, faults=["rate_limit"])
    bare = run.checkout("ord_1", "failed", message="")
    bare.http_status, bare.raw_status, bare.body = 500, None, "Internal Server Error"
    run.exchange("ord_2", 429, faults=["rate_limit"])
    run.checkout("ord_2", "failed", at=1.0)
    found = {f.message.split(" ")[3]: f for f in by_rule(score(run.observations()), "prompt.outcome")}
    assert all(f.severity == Severity.MAJOR for f in found.values())
    messages = " ".join(f.message for f in found.values())
    assert "bare HTTP 500" in messages and 'where the scenario expects "paid"' in messages


def test_a_one_gateway_shop_is_not_expected_to_pay_through_an_outage():
    from paychaos.observations import Shop
    run = Run(cause="gateway_outage", faults=OUTAGE, outcome="paid", shop=Shop(gateways=1))
    run.exchange("ord_1", 503, faults=["http_error"])
    run.checkout("ord_1", "failed")
    assert by_rule(score(run.observations()), "prompt.outcome") == []


def test_a_paid_answer_without_a_message_is_graded_only_when_the_shop_says_it_has_one():
    from paychaos.observations import Shop
    for shop, expected in ((Shop(paid_message=False), 0), (Shop(paid_message=True), 1)):
        run = Run(prompt=["paid"], shop=shop)
        run.paid("ord_1")
        run.checkouts[-1].message = None
        assert len(by_rule(score(run.observations()), "prompt.message_fits")) == expected


def test_a_server_flow_merchant_that_cannot_complete_3ds_says_so_and_that_fits():
    run = Run(cause="account_problem")
    run.exchange("ord_1", 200)
    run.checkout("ord_1", "failed", expected="requires_action",
                 message="Your bank asks for an extra verification that this checkout cannot complete. "
                         "Please use another payment method or contact your bank.")
    run.checkout("ord_2", "failed", expected="requires_action", message="Error.")
    found = by_rule(score(run.observations()), "prompt.message_fits")
    assert [f.evidence["order_ids"] for f in found] == [["ord_2"]]


def test_the_proxys_own_request_id_is_a_request_id_leak_too():
    # A shop that shows the exception text of a fault's made-up answer (Stripe's accept-a-payment sample
    # shows `str(e)` from its server): `req_paychaos_<hex>` is the proxy's Request-Id.
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="> Request req_paychaos_9cd86114113d: An error occurred with our "
                                            "connection to Stripe. (paychaos http_error 500)")
    found = {f.evidence["leak"]: f.evidence["order_ids"] for f in by_rule(score(run.observations()), "prompt.no_leaks")}
    assert found == {"gateway request id": ["ord_1"]}


def test_a_failed_3ds_message_that_says_the_authentication_failed_says_what_happened():
    run = Run(cause="account_problem")
    run.exchange("ord_1", 200)
    run.checkout("ord_1", "failed", expected="declined:payment_intent_authentication_failure",
                 message="The provided PaymentMethod has failed authentication.", alternatives=["card"])
    run.checkout("ord_2", "failed", expected="declined:payment_intent_authentication_failure",
                 message="Something went wrong.", alternatives=["card"])
    found = by_rule(score(run.observations()), "prompt.message_fits")
    assert [f.evidence["order_ids"] for f in found] == [["ord_2"]]


def test_a_connection_error_named_as_such_says_what_happened():
    # stripe.js's words when no answer came (and the proxy's made-up 5xx): a problem with the connection
    run = Run(cause="gateway_outage", faults=OUTAGE)
    run.exchange("ord_1", 503)
    run.checkout("ord_1", "failed", message="An error occurred with our connection to Stripe.", alternatives=["card"])
    assert by_rule(score(run.observations()), "prompt.message_fits") == []
