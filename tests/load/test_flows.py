"""paychaos.load.flows: which flows a load run plays, the customer it hands the driver, and when a run on
a browser-era shop could not observe its checkouts' final outcomes (inconclusive)."""

import pytest

from paychaos.common.errors import InputError
from paychaos.load import flows
from paychaos.scenario.model import Action
from paychaos.target import load_target

CEDAR = "tests/shops/cedar/target.yaml"
BIRCH = "tests/shops/birch/target.yaml"
WILLOW = "tests/shops/willow/target.yaml"


def _values(token="pm_card_visa"):
    return {"order.id": "ld1-a-1", "order.amount": 1234, "order.currency": "usd", "payment.token": token,
            "customer.name": "A B", "customer.email": "a@example.com", "customer.locale": "en_US",
            "customer.phone": "1"}


def test_a_browser_flow_target_is_refused_naming_the_file_and_the_field():
    target = load_target(WILLOW)
    assert target.flow == "browser"
    with pytest.raises(InputError) as err:
        flows.check(target)
    text = str(err.value)
    assert text.startswith(f"{target.path}: checkout.flow: ") and "does not drive a real browser" in text
    assert "valid: server, client_secret, redirect" in text


def test_a_qr_flow_target_is_refused_naming_the_file_and_the_field():
    target = load_target("tests/shops/bamboo/target.yaml")
    with pytest.raises(InputError) as err:
        flows.check(target)
    text = str(err.value)
    assert text.startswith(f"{target.path}: checkout.flow: ") and "scans the shop's QR code" in text


def test_browser_era_flows_are_played_locally_only():
    for path in (CEDAR, BIRCH):
        flows.check(load_target(path))              # local users: fine
        with pytest.raises(InputError, match="checkout.flow: the .* flow's browser leg"):
            flows.check(load_target(path), remote_workers=2)
    flows.check(load_target(None), remote_workers=2)   # the server flow: nothing to play


def test_the_customer_handed_to_the_driver_pays_with_the_chosen_test_card():
    customer = flows.customer_of(_values("pm_card_threeDSecure2Required"))
    assert (customer.order_id, customer.amount, customer.action) == ("ld1-a-1", 1234, Action.CHECKOUT)
    payment = flows.payment_of(customer, _values())
    assert payment.token == "pm_card_threeDSecure2Required" and payment.expected == "requires_action"
    unknown = flows.payment_of(flows.customer_of(_values("pm_card_made_up")), _values())
    assert unknown.token == "pm_card_made_up" and unknown.number == ""


def _rec(flow="client_secret", status="paid", raw="succeeded"):
    return {"order_id": "o", "flow": flow, "status": status, "raw_status": raw}


def test_checkouts_only_sent_to_a_browser_era_shop_make_the_run_inconclusive():
    sent_only = [_rec(flow="server", status="pending", raw="pending")] * 3 + [_rec()]
    reasons = flows.unobserved("client_secret", sent_only)
    assert len(reasons) == 1 and reasons[0].startswith("3 of 4 checkout(s) of this client_secret-flow shop")
    no_flow_field = [{"order_id": "o", "status": "pending", "raw_status": "pending"}]   # an older profile's user
    assert flows.unobserved("redirect", no_flow_field)
    left = flows.unobserved("redirect", [_rec("redirect", "pending", "redirect"), _rec("redirect")])
    assert len(left) == 1 and "stopped at the merchant's hand-off" in left[0]


def test_played_checkouts_whatever_their_outcome_are_observed():
    played = [_rec(), _rec(status="failed", raw="card_declined"), _rec(status="pending", raw="confirm_503"),
              _rec(status=None, raw=None), _rec("redirect", None, "redirect")]
    assert flows.unobserved("client_secret", played[:4]) == []
    assert flows.unobserved("redirect", [_rec("redirect"), played[4]]) == []   # no answer on the way back
    assert flows.unobserved("server", [_rec(flow="server")]) == []
    assert flows.unobserved("client_secret", []) == []


def test_the_fast_http_users_headers_reach_the_driver_as_name_value_pairs():
    """geventhttpclient keeps {lower name: (name, value)}: `dict(headers)` would hide a 303's Location."""
    from geventhttpclient.header import Headers

    headers = Headers()
    headers.add("Location", "http://127.0.0.1:9/pay/cs_test_1")
    assert dict(headers.items()) == {"Location": "http://127.0.0.1:9/pay/cs_test_1"}
