"""Scenario files: what a user sees for good files and for each kind of mistake."""

from __future__ import annotations

import textwrap

import pytest

from paychaos.common.errors import InputError
from paychaos.scenario.load import load_scenario_file, load_scenarios
from paychaos.scenario.model import Action, Cause

GOOD = """\
name: outage
cause: gateway_outage
description: 503 for everything.
seed: 7
customers:
  count: 4
  locale: {en_US: 1, zh_CN: 1}
  cards: {pm_card_visa: 3, pm_card_visa_chargeDeclinedInsufficientFunds: 1}
  amount_min: 1000
  amount_max: 2000
actions: [checkout, double_submit]
faults:
  - fault: http_error
    params: {status: 503, retry_after_s: 2}
    match: {upstream: primary, method: POST, path: "/v1/payment_intents*"}
    window: {start_s: 0, end_s: 20}
expect:
  threshold: 85
  prompt: [unavailable, other_method]
"""


def write(tmp_path, text: str, name: str = "s.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def error_of(tmp_path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_scenario_file(path)
    return str(info.value).replace(path, "FILE")


def test_a_good_file_loads_with_normalised_shares(tmp_path):
    sc = load_scenario_file(write(tmp_path, GOOD))
    assert sc.name == "outage" and sc.cause is Cause.GATEWAY_OUTAGE and sc.seed == 7
    assert sc.customers.locales == {"en_US": 0.5, "zh_CN": 0.5}
    assert sc.customers.cards == {"pm_card_visa": 0.75, "pm_card_visa_chargeDeclinedInsufficientFunds": 0.25}
    assert sc.actions == [Action.CHECKOUT, Action.DOUBLE_SUBMIT]
    assert sc.faults[0].fault == "http_error" and sc.faults[0].params["status"] == 503
    assert sc.fault_specs[0]["params"] == {"status": 503, "retry_after_s": 2}
    assert sc.expect.threshold == 85 and sc.expect.prompt == ["unavailable", "other_method"]


def test_defaults_fill_what_a_minimal_file_leaves_out(tmp_path):
    sc = load_scenario_file(write(tmp_path, "name: base\ncause: healthy\n"))
    assert sc.customers.count == 10 and sc.customers.locale == "en_US"
    assert sc.customers.cards == {"pm_card_visa": 1.0} and sc.customers.timeout_s == 30
    assert sc.actions == [Action.CHECKOUT] and sc.faults == [] and sc.expect.threshold == 80


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace("pm_card_visa: 3", "pm_card_vsa: 3"),
     "FILE: customers.cards.pm_card_vsa: unknown test card 'pm_card_vsa'; did you mean 'pm_card_visa'?"),
    (GOOD.replace("cause: gateway_outage", "cause: gateway_outtage"),
     "FILE: cause: 'gateway_outtage' is not one of the valid values; did you mean 'gateway_outage'? (valid: "
     "gateway_outage, timeout, ambiguous_outcome, transaction_anomaly, bad_card_data, account_problem, "
     "merchant_account, rate_limit, malformed_answer, webhook_chaos, healthy)"),
    (GOOD.replace("seed: 7", "sed: 7"),
     "FILE: sed: unknown key 'sed'; did you mean 'seed'? (valid: name, cause, description, seed, settle_s, "
     "customers, actions, phases, faults, expect, requires, flows)"),
    (GOOD.replace("count: 4", "count: four"),
     "FILE: customers.count: expected a whole number, got a string 'four' (valid: a whole number from 1 to 1000)"),
    (GOOD.replace("[checkout, double_submit]", "[checkout, double_sumbit]"),
     "FILE: actions[1]: unknown action 'double_sumbit'; did you mean 'double_submit'? (valid: checkout, "
     "double_submit, cancel_after_pay, typo_card, expired_card, wrong_cvc, three_ds_fail, three_ds_abandon, leave_page, pay_late, async_settles, async_fails, qr_walk_away, qr_pay_late, pay_again_after_close)"),
    (GOOD.replace("prompt: [unavailable, other_method]", "prompt: [unavailable, other_methods]"),
     "FILE: expect.prompt[1]: unknown prompt category 'other_methods'; did you mean 'other_method'?"),
    (GOOD.replace("{en_US: 1, zh_CN: 1}", "zh_TW"),
     "FILE: customers.locale: unknown locale 'zh_TW'; did you mean 'zh_CN'? (valid: en_US, zh_CN)"),
    (GOOD.replace("amount_max: 2000", "amount_max: 1002"),
     "FILE: customers.amount_max: 4 customers need 4 different amounts, but amount_min..amount_max "
     "(1000..1002) holds only 3 (valid: at least amount_min + 3)"),
    (GOOD.replace("threshold: 85", "threshold: 185"),
     "FILE: expect.threshold: 185 is out of range (valid: a number from 0 to 100)"),
    (GOOD.replace("name: outage", "name: Outage Full"),
     "FILE: name: 'Outage Full' is not a valid scenario name (valid: lower-case letters, digits, '-' and '_', "
     "at most 80, e.g. gateway-outage-full)"),
    ("cause: healthy\n", "FILE: name: required key is missing"),
    ("- just\n- a list\n", "FILE: expected a mapping, got a list (valid: key: value lines)"),
])
def test_mistakes_name_file_field_and_valid_forms(tmp_path, text, expected):
    message = error_of(tmp_path, text)
    assert message.startswith(expected), message


def test_fault_mistakes_are_reported_by_the_proxy_parser_with_the_path(tmp_path):
    text = GOOD.replace("params: {status: 503, retry_after_s: 2}", "params: {status: 503, delay: 2}")
    message = error_of(tmp_path, text)
    assert message.startswith("FILE: faults[0].params.delay: unknown parameter 'delay' for fault http_error")
    assert "retry_after_s" in message


def test_invalid_yaml_names_the_line(tmp_path):
    message = error_of(tmp_path, "name: x\ncause: [healthy\n")
    assert message.startswith("FILE: line 3, column 1: not valid YAML"), message


def test_a_directory_expands_to_its_yaml_files_sorted(tmp_path):
    write(tmp_path, "name: b-second\ncause: healthy\n", "b.yaml")
    write(tmp_path, "name: a-first\ncause: healthy\n", "a.yaml")
    (tmp_path / "notes.txt").write_text("not a scenario")
    assert [s.name for s in load_scenarios([str(tmp_path)])] == ["a-first", "b-second"]


def test_duplicate_names_and_missing_paths_are_errors(tmp_path):
    write(tmp_path, "name: same\ncause: healthy\n", "a.yaml")
    write(tmp_path, "name: same\ncause: healthy\n", "b.yaml")
    with pytest.raises(InputError, match="scenario name 'same' is also used by .*a.yaml"):
        load_scenarios([str(tmp_path)])
    with pytest.raises(InputError, match="nope.yaml: no such file or directory"):
        load_scenarios([str(tmp_path / "nope.yaml")])


def test_one_bad_file_stops_the_suite_before_anything_runs(tmp_path):
    write(tmp_path, "name: fine\ncause: healthy\n", "a.yaml")
    bad = write(tmp_path, "name: bad\ncause: healthy\ncustomers: {count: 0}\n", "b.yaml")
    with pytest.raises(InputError) as info:
        load_scenarios([str(tmp_path)])
    assert info.value.file == bad and info.value.field == "customers.count"


def test_a_built_in_scenario_by_the_name_paychaos_list_prints(tmp_path, monkeypatch):
    from paychaos.scenario.load import load_scenarios
    monkeypatch.chdir(tmp_path)        # from any folder
    [sc] = load_scenarios(["healthy-baseline"])
    assert sc.name == "healthy-baseline"
    with pytest.raises(InputError, match="did you mean 'response-lost'"):
        load_scenarios(["respons-lost"])
