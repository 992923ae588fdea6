"""`flows: [...]`: the checkout flows in which what a scenario is about can happen. Read from a scenario
file, refused when unknown or empty, joined with the flows its actions are bound to, and a target of
another flow makes the scenario inconclusive (paychaos.scoring.inconclusive.flow_unfit)."""

from __future__ import annotations

import pytest

from paychaos.common.errors import InputError
from paychaos.driver import FLOWS as DRIVER_FLOWS
from paychaos.scenario.load import load_scenarios, parse_scenario
from paychaos.scenario.model import FLOW_NAMES, flows_of
from paychaos.scoring import inconclusive
from paychaos.scoring.testing import Run
from paychaos.target import Shop


def _scenario(**top):
    return parse_scenario({"name": "a", "cause": "merchant_account", **top}, file="a.yaml")


def test_the_flow_names_are_the_flows_the_driver_plays():
    assert set(FLOW_NAMES) == set(DRIVER_FLOWS)


def test_flows_is_read_and_defaults_to_any_flow():
    assert _scenario().flows is None and flows_of(_scenario()) is None
    sc = _scenario(flows=["qr", "server", "qr"])
    assert sc.flows == ("qr", "server") and flows_of(sc) == ("qr", "server")


@pytest.mark.parametrize("flows, said", [(["sever"], "did you mean 'server'"), ([], "empty list"),
                                         ("server", "expected a list")])
def test_bad_flows_name_the_file_the_field_and_the_valid_forms(flows, said):
    with pytest.raises(InputError) as err:
        _scenario(flows=flows)
    text = str(err.value)
    assert "a.yaml" in text and "flows" in text and said in text
    if flows:
        assert "server, client_secret, redirect, browser, qr" in text


def test_flows_narrow_the_flows_an_actions_binding_allows():
    bound = _scenario(actions=["pay_again_after_close"])
    assert flows_of(bound) == ("redirect",)
    assert flows_of(_scenario(actions=["pay_again_after_close"], flows=["redirect", "server"])) == ("redirect",)
    assert flows_of(_scenario(actions=["pay_again_after_close"], flows=["server"])) == ()


@pytest.mark.parametrize("flow, unfit", [("redirect", True), ("server", False), ("qr", False)])
def test_a_target_of_another_flow_is_inconclusive(flow, unfit):
    obs = Run(cause="merchant_account", shop=Shop(flow=flow)).observations()
    obs.scenario = _scenario(flows=["server", "browser", "qr"])
    out = inconclusive.Assessment()
    inconclusive.flow_unfit(obs, out)
    assert bool(out.reasons) is unfit
    if unfit:
        assert "server or browser or qr" in out.reasons[0] and "checkout.flow is redirect" in out.reasons[0]


def test_alipays_signature_error_leaves_out_alipays_cashier():
    [sign_error] = [s for s in load_scenarios(["alipay"]) if s.name == "alipay-sign-error"]
    assert "redirect" not in flows_of(sign_error) and "server" in flows_of(sign_error)


def test_a_scenario_that_does_not_apply_makes_no_finding():
    """A target of another flow: every rule stands aside (no finding about a cause the shop never met),
    the scenario is inconclusive and does not pass; the same run in a flow it names is judged."""
    from paychaos.scoring.scorer import score

    for flow, judged in (("redirect", False), ("server", True)):
        run = Run(cause="merchant_account", shop=Shop(flow=flow))
        run.checkout("ord-1", "paid", expected="failed")   # told "paid" with no money: a finding when judged
        obs = run.observations()
        obs.scenario = _scenario(flows=["server", "browser", "qr"])
        result = score(obs)
        assert not result.passed
        assert bool(result.findings) is judged
        assert any("checkout.flow is redirect" in r for r in result.inconclusive) is not judged
