"""Every test card / test PaymentMethod yields its documented outcome through the real SDK."""

from __future__ import annotations

import datetime

import pytest
import stripe

from paychaos.gateway.cards import OUTCOMES, TEST_METHODS

DECLINES = [  # (payment method name after pm_card_, code, decline_code, advice_code)
    ("visa_chargeDeclined", "card_declined", "generic_decline", "do_not_try_again"),
    ("visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds", "try_again_later"),
    ("visa_chargeDeclinedLostCard", "card_declined", "lost_card", "do_not_try_again"),
    ("visa_chargeDeclinedStolenCard", "card_declined", "stolen_card", "do_not_try_again"),
    ("chargeDeclinedExpiredCard", "expired_card", None, "confirm_card_data"),
    ("chargeDeclinedIncorrectCvc", "incorrect_cvc", None, "confirm_card_data"),
    ("chargeDeclinedProcessingError", "processing_error", None, "try_again_later"),
    ("visa_chargeDeclinedVelocityLimitExceeded", "card_declined", "card_velocity_exceeded", "try_again_later"),
    ("radarBlock", "card_declined", "fraudulent", "do_not_try_again"),
    ("visa_chargeDeclinedRestrictedCard", "card_declined", "restricted_card", "do_not_try_again"),
    ("chargeDeclinedDoNotHonor", "card_declined", "do_not_honor", "do_not_try_again"),
    ("chargeDeclinedIssuerNotAvailable", "card_declined", "issuer_not_available", "try_again_later"),
    ("chargeDeclinedTryAgainLater", "card_declined", "try_again_later", "try_again_later"),
    ("chargeDeclinedTransactionNotAllowed", "card_declined", "transaction_not_allowed", "do_not_try_again"),
    ("chargeDeclinedInvalidAccount", "card_declined", "invalid_account", "do_not_try_again"),
]


def _other_spelling(name: str) -> str:
    return name[5:] if name.startswith("visa_") else "visa_" + name


@pytest.mark.parametrize("name,code,decline_code,advice", DECLINES)
def test_decline_cards_in_both_spellings(client, gateway, name, code, decline_code, advice):
    for spelling in (name, _other_spelling(name)):
        with pytest.raises(stripe.CardError) as err:
            client.v1.payment_intents.create(params={
                "amount": 2000, "currency": "usd", "payment_method": f"pm_card_{spelling}", "confirm": True})
        e = err.value
        assert e.http_status == 402 and e.code == code and e.error.type == "card_error"
        assert e.error.decline_code == decline_code and e.error.advice_code == advice
        assert e.headers.get("Stripe-Should-Retry") == "false"
        pi = e.error.payment_intent
        assert pi.status == "requires_payment_method"
        assert pi.last_payment_error.code == code and pi.last_payment_error.decline_code == decline_code
        charge = client.v1.charges.retrieve(pi.latest_charge)
        assert charge.status == "failed" and not charge.paid and charge.failure_code == code
        again = client.v1.payment_intents.retrieve(pi.id)
        assert again.last_payment_error.code == code


@pytest.mark.parametrize("name", ["visa", "mastercard", "amex", "visa_debit"])
def test_success_methods(client, name):
    pi = client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "payment_method": f"pm_card_{name}", "confirm": True})
    assert pi.status == "succeeded"


def _raw(number, exp_month=12, exp_year=None, cvc=None):
    card = {"number": number, "exp_month": exp_month, "exp_year": exp_year or datetime.date.today().year + 2}
    card["cvc"] = cvc or ("1234" if number.startswith("3") else "123")
    return {"type": "card", "card": card}


@pytest.mark.parametrize("number", sorted(OUTCOMES))
def test_every_documented_number_as_raw_card(client, number):
    outcome = OUTCOMES[number]
    pm = client.v1.payment_methods.create(params=_raw(number))
    assert pm.card.last4 == number[-4:] and number not in str(pm)
    params = {"amount": 1500, "currency": "usd", "payment_method": pm.id, "confirm": True}
    if outcome.declines:
        with pytest.raises(stripe.CardError) as err:
            client.v1.payment_intents.create(params=params)
        assert (err.value.code, err.value.error.decline_code) == (outcome.code, outcome.decline_code)
    else:
        pi = client.v1.payment_intents.create(params=params)
        assert pi.status == ("requires_action" if outcome.requires_action else "succeeded")


def test_every_test_method_name_is_known():
    assert set(TEST_METHODS.values()) <= set(OUTCOMES)


@pytest.mark.parametrize("card,code,param", [
    (_raw("4242424242424241"), "incorrect_number", "card[number]"),
    (_raw("4242"), "incorrect_number", "card[number]"),
    (_raw("4242424242424242", exp_year=2001), "invalid_expiry_year", "card[exp_year]"),
    (_raw("4242424242424242", exp_month=13), "invalid_expiry_month", "card[exp_month]"),
    (_raw("4242424242424242", cvc="12"), "invalid_cvc", "card[cvc]"),
    (_raw("4242424242424242", cvc="abc"), "invalid_cvc", "card[cvc]"),
    (_raw("378282246310005", cvc="123"), "invalid_cvc", "card[cvc]"),
])
def test_raw_card_validation(client, card, code, param):
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_methods.create(params=card)
    assert err.value.code == code and err.value.param == param and err.value.http_status == 402


def test_past_month_of_this_year_is_invalid_expiry_month(client):
    today = datetime.date.today()
    if today.month == 1:
        pytest.skip("no past month in January")
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_methods.create(params=_raw("4242424242424242", exp_month=today.month - 1,
                                                     exp_year=today.year))
    assert err.value.code == "invalid_expiry_month"


def test_raw_card_inline_on_the_intent(client):
    data = _raw("4000000000009995")
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_intents.create(params={"amount": 900, "currency": "usd", "confirm": True,
                                                 "payment_method_data": data})
    assert err.value.error.decline_code == "insufficient_funds"
    bad = _raw("4000000000009996")
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_intents.create(params={"amount": 900, "currency": "usd", "confirm": True,
                                                 "payment_method_data": bad})
    assert err.value.param == "payment_method_data[card][number]"


def test_3ds_requires_action_then_sim_complete(client, gateway):
    from paychaos.gateway.testing import complete_payment, fail_payment

    pi = client.v1.payment_intents.create(params={
        "amount": 700, "currency": "usd", "payment_method": "pm_card_authenticationRequired", "confirm": True,
        "return_url": "http://127.0.0.1/back"})
    assert pi.status == "requires_action" and pi.next_action.type == "redirect_to_url"
    assert complete_payment(gateway.url, pi.id)["status"] == "succeeded"
    other = client.v1.payment_intents.create(params={
        "amount": 700, "currency": "usd", "payment_method": "pm_card_authenticationRequiredOnSetup",
        "confirm": True})
    failed = fail_payment(gateway.url, other.id)
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "payment_intent_authentication_failure"


def test_3ds_card_off_session_is_declined(client):
    with pytest.raises(stripe.CardError) as err:
        client.v1.payment_intents.create(params={
            "amount": 700, "currency": "usd", "payment_method": "pm_card_authenticationRequired",
            "confirm": True, "off_session": True})
    assert err.value.code == "authentication_required"


def test_a_raw_card_number_is_never_kept_whole(client, gateway):
    import httpx

    number = "4000000000009995"
    pm = client.v1.payment_methods.create(params=_raw(number))
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "payment_method": pm.id,
                                                 "confirm": True})
    headers = {"Authorization": "Bearer sk_test_x", "X-Paychaos-Token": gateway.info["token"]}
    seen = [httpx.get(gateway.url + path, headers=headers).text
            for path in ("/v1/events?limit=100", "/v1/charges", f"/v1/payment_methods/{pm.id}", "/_sim/ledger")]
    assert all(number not in text for text in seen) and gateway.tail().count(number) == 0
    assert pm.card.last4 == "9995" and pm.card.fingerprint
