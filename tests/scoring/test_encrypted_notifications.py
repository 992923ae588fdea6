"""A WeChat Pay notification's resource is encrypted, so the journal cannot say which order it is about;
the fake gateway's ledger says (`notifications`: event id -> the ids it is about), and attribution ties
the delivery to its order through it, also when the journal masked a digit run of the id."""

from __future__ import annotations

from paychaos.common.masking import mask_text
from paychaos.observations import CheckoutResult, Observations
from paychaos.scenario.load import BUILTIN_DIR, load_scenario_file
from paychaos.scoring.attribution import attribute

EVENT = "2b3b3d56-8092-4319-81db-9fa4c9847929"   # its digits "3568092..." look like a card number's


def _obs(journaled_id: str, notifications: dict) -> Observations:
    scenario = load_scenario_file(str(BUILTIN_DIR / "wechatpay" / "wechatpay-healthy.yaml"))
    checkout = CheckoutResult(order_id="shop-001", action="checkout", amount=1200, currency="cny",
                              status="paid")
    ledger = {"payment_intents": [{"id": "WX001", "amount": 1200}],
              "charges": [{"id": "4200001", "payment_intent": "WX001", "amount": 1200, "captured": True}],
              "notifications": notifications}
    journal = [{"id": "j-1", "upstream": "webhooks", "direction": "to_merchant", "path": "/notify",
                "event": {"id": journaled_id, "type": "TRANSACTION.SUCCESS", "object_id": None}}]
    return Observations(scenario=scenario, checkouts=[checkout], journal=journal, ledger=ledger,
                        backup_ledger=None, orders={})


def test_a_delivery_is_tied_to_the_order_its_gateway_says_it_was_about():
    att = attribute(_obs(EVENT, {EVENT: ["WX001", "4200001"]}))
    assert att.exchange_owner == {"j-1": "shop-001"} and att.exchange_route["j-1"] == "object"


def test_the_journals_masked_spelling_of_the_id_is_matched_too():
    masked = mask_text(EVENT)
    assert masked != EVENT
    assert attribute(_obs(masked, {EVENT: ["WX001", "4200001"]})).exchange_owner == {"j-1": "shop-001"}


def test_without_the_gateways_word_the_delivery_stays_untied():
    assert attribute(_obs(EVENT, {})).exchange_owner == {}
