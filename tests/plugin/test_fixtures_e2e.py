"""The plugin's fixtures against real processes: the stripe SDK and a reference merchant talking
through the real mitmproxy fault proxy, in a pytest run split over two xdist workers."""

import pytest

pytestmark = pytest.mark.slow

USER_TESTS = '''
import pytest
import requests
import stripe

PI = {"amount": 1234, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}


def test_stripe_sdk_sees_the_fault_only_inside_the_block(paychaos_gateway, paychaos_proxy, chaos):
    client = stripe.StripeClient("sk_test_pytest", base_addresses={"api": paychaos_proxy.url})
    with chaos("http_error", status=503, match={"method": "POST", "path": "/v1/payment_intents*"}):
        with pytest.raises(stripe.APIError) as err:
            client.v1.payment_intents.create(params=PI)
        assert err.value.http_status == 503
    assert client.v1.payment_intents.create(params=PI).status == "succeeded"
    journal = [r for r in paychaos_proxy.journal() if r["direction"] == "to_gateway"]
    assert [(r["status"], [f["fault"] for f in r["faults"]]) for r in journal] == [
        (503, ["http_error"]), (200, [])]
    assert paychaos_gateway.ledger()["money"]["currency_totals"]["usd"]["captured"] == 1234
    assert paychaos_proxy.rules()["rules"] == []


def test_each_test_starts_clean(paychaos_gateway, paychaos_proxy):
    assert [r for r in paychaos_proxy.journal() if r["direction"] == "to_gateway"] == []
    assert paychaos_gateway.ledger()["payment_intents"] == []


def test_resilient_merchant_fails_over_when_primary_is_down(paychaos_merchant, paychaos_gateway, chaos):
    order = {"order_id": "ord_pytest_1", "amount": 2500, "currency": "usd", "payment_method": "pm_card_visa",
             "customer": {"name": "Ada", "email": "ada@example.com", "locale": "en_US"}}
    with chaos("http_error", status=503, match={"upstream": "primary"}):
        answer = requests.post(paychaos_merchant.url + "/checkout", json=order, timeout=30).json()
    assert answer["status"] == "paid", answer
    assert paychaos_gateway.ledger(backup=True)["money"]["currency_totals"]["usd"]["captured"] == 2500


def test_a_bad_rule_is_refused_with_the_field(chaos):
    from paychaos.common.errors import InputError
    with pytest.raises(InputError, match="delay_ms"):
        with chaos("latency", delay_ms="soon"):
            pass


def test_worker_has_its_own_services(paychaos_proxy, worker_id):
    print("PROXY", worker_id, paychaos_proxy.url)
'''


def test_fixtures_under_xdist_two_workers(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "-rA", "-s",
                                           "--junitxml=out.xml", timeout=240)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 5, result.stdout.str()[-4000:]
    assert result.ret == 0
    report = pytester.path.joinpath("out.xml").read_text()
    assert "record_property" not in report

