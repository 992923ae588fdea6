"""The gateway's pure parts alone: form parsing, parameter checks, ids, cards, signing, search, metadata
updates, the address a gateway learns, the ledger's money, list pages."""

from __future__ import annotations

import datetime

import pytest
import stripe

from paychaos.common.stripe_signature import sign
from paychaos.gateway import cards
from paychaos.gateway.errors import ParamError, StripeError
from paychaos.gateway.forms import parse_form
from paychaos.gateway.ids import IdMaker
from paychaos.gateway.listing import narrowed, page_of
from paychaos.gateway.metadata import merge_metadata
from paychaos.gateway.money import MoneyBook
from paychaos.gateway.params import Bool, Hash, Int, ListOf, Metadata, Str, check
from paychaos.gateway.resources.search import parse_query
from paychaos.gateway.serving import OwnAddress
from paychaos.gateway.store import Collection


def test_parse_form_nests_brackets_and_lists():
    assert parse_form("a=1&m[k]=v+w&l[0]=x&l[1]=y&e[]=p&e[]=q&d[c][n]=%34") == {
        "a": "1", "m": {"k": "v w"}, "l": ["x", "y"], "e": ["p", "q"], "d": {"c": {"n": "4"}}}


@pytest.mark.parametrize("body", ["a=1&a[b]=2", "a[b]=1&a=2", "a[b=1", "[x]=1", "a[b]c=1", "a[0]=1&a[b]=2",
                                  "x=%ff", "a[x][]=1&a[x][y]=2"])
def test_parse_form_refuses_unreadable_keys(body):
    with pytest.raises(ParamError):
        parse_form(body)


def test_check_converts_and_names_the_param():
    spec = {"n": Int(1, 10).req(), "b": Bool(), "m": Metadata(), "l": ListOf(Str(5)), "h": Hash({"x": Int()})}
    assert check(spec, {"n": "3", "b": "true", "m": {"k": "v"}, "l": ["ab"], "h": {"x": "-2"}}) == {
        "n": 3, "b": True, "m": {"k": "v"}, "l": ["ab"], "h": {"x": -2}}
    for params, param in [({"n": "11"}, "n"), ({"n": "1", "h": {"y": "1"}}, "h[y]"), ({}, "n"),
                          ({"n": "1", "l": ["toolong"]}, "l[0]"), ({"n": "1", "zz": "1"}, "zz"),
                          ({"n": {"x": "1"}}, "n")]:
        with pytest.raises(ParamError) as err:
            check(spec, params)
        assert err.value.param == param


def test_ids_are_deterministic_with_a_seed_and_distinct():
    a, b = IdMaker(5), IdMaker(5)
    first = [a.new("pi") for _ in range(1000)]
    assert first == [b.new("pi") for _ in range(1000)] and len(set(first)) == 1000
    assert all(len(i) == 27 and i[3:].isalnum() for i in first)
    a.reset()
    assert a.new("pi") == first[0]
    assert IdMaker(None).new("pi") != IdMaker(None).new("pi")


def test_every_own_card_is_luhn_valid_and_test_ids_resolve():
    assert all(cards.luhn_ok(n) for n in cards.OUTCOMES)
    assert cards.test_method_number("pm_card_visa_chargeDeclinedInsufficientFunds") == "4000000000009995"
    assert cards.test_method_number("pm_card_chargeDeclinedInsufficientFunds") == "4000000000009995"
    assert cards.test_method_number("tok_visa") == "4242424242424242"
    assert cards.test_method_number("pm_card_nonsense") is None


def test_raw_card_validation_order_and_two_digit_years():
    today = datetime.date(2026, 6, 15)
    assert cards.validate_raw_card({"number": "4242 4242 4242 4242", "exp_month": "6", "exp_year": "26",
                                    "cvc": "123"}, today=today) == ("4242424242424242", 6, 2026)
    with pytest.raises(StripeError) as err:
        cards.validate_raw_card({"number": "4242424242424242", "exp_month": "5", "exp_year": "2026"}, today=today)
    assert err.value.code == "invalid_expiry_month"


def test_signature_is_what_the_stripe_sdk_verifies():
    payload = '{"id":"evt_1","object":"event","type":"x"}'
    header = sign(payload, "whsec_abc")
    assert stripe.Webhook.construct_event(payload, header, "whsec_abc").id == "evt_1"
    assert sign(payload, "whsec_abc", 1700000000).startswith("t=1700000000,v1=")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign(payload, "whsec_abc", 1), "whsec_abc")  # too old


def test_search_query_parsing():
    assert parse_query("metadata['order_id']:'A' AND status:'succeeded' AND amount>=100") == [
        ("metadata.order_id", ":", "A"), ("status", ":", "succeeded"), ("amount", ">=", "100")]
    for bad in ["order_id:'A'", "metadata['a']:A", "status>'x'", ""]:
        with pytest.raises(ParamError):
            parse_query(bad)


def test_hosted_page_amounts_read_as_the_customer_reads_them():
    from paychaos.gateway.hosted import _money

    assert _money(1500, "usd") == "15.00 USD"
    assert _money(1500, "jpy") == "1500 JPY"
    assert _money(None, "usd") == ""


def test_a_metadata_update_merges_drops_emptied_keys_and_an_empty_one_clears():
    current = {"order_id": "A1", "note": "x"}
    assert merge_metadata(current, {"note": "", "shop": "s"}) == {"order_id": "A1", "shop": "s"}
    assert merge_metadata(current, {}) == {}
    assert current == {"order_id": "A1", "note": "x"}   # the object's old metadata is not changed in place


def test_a_gateway_learns_its_base_url_and_own_hosts_when_served():
    gw = OwnAddress()
    assert (gw.base_url, gw.port, gw.own_hosts) == ("", None, frozenset())
    gw.serving_at("::1", 4242)
    assert gw.base_url == "http://[::1]:4242" and gw.port == 4242
    assert gw.own_hosts == {"127.0.0.1:4242", "localhost:4242", "[::1]:4242"}
    assert OwnAddress().base_url == ""   # one gateway's address is not another's


def test_the_ledger_money_lists_every_intent_and_sums_each_charge_three_ways():
    money = MoneyBook()
    money.intent("pi_1", "usd", {"order_id": "A"})
    money.intent("pi_2", "usd", {"order_id": "B"})
    money.charge(1500, 500, "usd", "pi_1", {"order_id": "A"})
    money.charge(1500, 0, "usd", "pi_1", {"order_id": "A"})   # a second charge for order A
    money.charge(700, 0, "eur", None, {"order_id": "C"})       # a legacy charge: no intent
    assert money.to_dict() == {
        "currency_totals": {"usd": {"captured": 3000, "refunded": 500, "net": 2500},
                            "eur": {"captured": 700, "refunded": 0, "net": 700}},
        "by_intent": {"pi_1": {"captured": 3000, "refunded": 500, "net": 2500, "currency": "usd"},
                      "pi_2": {"captured": 0, "refunded": 0, "net": 0, "currency": "usd"}},
        "by_metadata": {"order_id": {"A": {"captured": 3000, "refunded": 500, "net": 2500, "charges": 2},
                                     "B": {"captured": 0, "refunded": 0, "net": 0, "charges": 0},
                                     "C": {"captured": 700, "refunded": 0, "net": 700, "charges": 1}}}}


def test_a_list_page_of_a_collection_is_newest_first_and_narrowed_by_the_fields_given():
    prices = Collection()
    for i, currency in enumerate(["usd", "eur", "usd", "usd"]):
        prices.add({"id": f"price_{i}", "currency": currency, "active": i != 3})
    everything = page_of(prices, {}, "/v1/prices")
    assert [x["id"] for x in everything["data"]] == ["price_3", "price_2", "price_1", "price_0"]
    params = {"currency": "usd", "active": True, "limit": 3}
    result = narrowed(page_of(prices, params, "/v1/prices"), params, "currency", "active", "type")
    assert [x["id"] for x in result["data"]] == ["price_2"]   # filtered after the page: as before
    assert result["has_more"] is True and result["url"] == "/v1/prices"
