"""Idempotency-Key semantics (stripe-facts.md) with real clients, including 16 concurrent requests."""

from __future__ import annotations

import concurrent.futures
import threading

import httpx
import pytest
import stripe

from paychaos.gateway.testing import get_ledger, set_processing_delay

AUTH = {"Authorization": "Bearer sk_test_idem"}
BODY = {"amount": "1000", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"}


def post(url, path, data, key, **headers):
    return httpx.post(url + path, data=data, headers={**AUTH, "Idempotency-Key": key, **headers}, timeout=10)


def test_replay_returns_the_same_payment_once(gateway):
    first = post(gateway.url, "/v1/payment_intents", BODY, "k1")
    again = post(gateway.url, "/v1/payment_intents", BODY, "k1")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.json()["id"] == first.json()["id"]
    ledger = get_ledger(gateway.url)
    assert len(ledger["payment_intents"]) == 1
    assert ledger["idempotency"]["records"][0] == {
        "key": "k1", "endpoint": "POST /v1/payment_intents", "status": 200,
        "created": ledger["idempotency"]["records"][0]["created"]}


def test_decline_is_replayed_as_the_same_402(gateway):
    body = {**BODY, "payment_method": "pm_card_chargeDeclined"}
    first = post(gateway.url, "/v1/payment_intents", body, "k-dec")
    again = post(gateway.url, "/v1/payment_intents", body, "k-dec")
    assert first.status_code == again.status_code == 402
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    assert len(get_ledger(gateway.url)["charges"]) == 1


def test_same_key_other_parameters_is_idempotency_error(gateway):
    post(gateway.url, "/v1/payment_intents", BODY, "k2")
    other = post(gateway.url, "/v1/payment_intents", {**BODY, "amount": "999"}, "k2")
    assert other.status_code == 400
    err = other.json()["error"]
    assert err["type"] == "idempotency_error" and "same parameters" in err["message"]


def test_same_key_other_endpoint_is_idempotency_error(gateway):
    post(gateway.url, "/v1/payment_intents", BODY, "k3")
    other = post(gateway.url, "/v1/customers", {"email": "a@example.com"}, "k3")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error" and "same endpoint" in other.json()["error"]["message"]


def test_validation_400_and_401_are_not_saved(gateway):
    bad = post(gateway.url, "/v1/payment_intents", {**BODY, "amount": "ten"}, "k4")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "amount"
    unauth = httpx.post(gateway.url + "/v1/payment_intents", data=BODY, headers={"Idempotency-Key": "k4"})
    assert unauth.status_code == 401
    good = post(gateway.url, "/v1/payment_intents", BODY, "k4")
    assert good.status_code == 200 and "Idempotent-Replayed" not in good.headers


def test_sdk_retry_after_a_lost_answer_replays(client, gateway):
    pi = client.v1.payment_intents.create(params={"amount": 500, "currency": "usd", "payment_method": "pm_card_visa",
                                                  "confirm": True}, options={"idempotency_key": "order-1-a"})
    again = client.v1.payment_intents.create(params={"amount": 500, "currency": "usd",
                                                     "payment_method": "pm_card_visa", "confirm": True},
                                             options={"idempotency_key": "order-1-a"})
    assert again.id == pi.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert get_ledger(gateway.url)["money"]["currency_totals"]["usd"]["captured"] == 500


def _sixteen_at_once(url: str) -> list[httpx.Response]:
    barrier = threading.Barrier(16)

    def one(_):
        with httpx.Client(timeout=20) as http:
            barrier.wait()
            return http.post(url + "/v1/payment_intents", data=BODY, headers={**AUTH, "Idempotency-Key": "same"})

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, range(16)))


def test_sixteen_concurrent_requests_create_one_payment(gateway):
    answers = _sixteen_at_once(gateway.url)
    assert all(r.status_code == 200 for r in answers)
    assert len({r.json()["id"] for r in answers}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in answers) == 15
    assert len(get_ledger(gateway.url)["payment_intents"]) == 1


@pytest.fixture
def slow_gateway(gateway):
    set_processing_delay(gateway.url, 300)
    yield gateway
    set_processing_delay(gateway.url, 0)


def test_in_flight_key_gets_409_and_still_one_payment(slow_gateway):
    answers = _sixteen_at_once(slow_gateway.url)
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 409}
    conflicts = [r for r in answers if r.status_code == 409]
    assert conflicts and all(r.json()["error"]["code"] == "idempotency_key_in_use" for r in conflicts)
    assert len({r.json()["id"] for r in answers if r.status_code == 200}) == 1
    ledger = get_ledger(slow_gateway.url)
    assert len(ledger["payment_intents"]) == 1 and len(ledger["charges"]) == 1
    # the conflict left nothing behind: a retry now replays the one payment
    retry = post(slow_gateway.url, "/v1/payment_intents", BODY, "same")
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_stripe_client_retries_409_to_the_one_payment(slow_gateway):
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": slow_gateway.url}, max_network_retries=3)
    params = {"amount": 800, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda _: client.v1.payment_intents.create(
            params=params, options={"idempotency_key": "sdk-key"}).id, range(4)))
    assert len(set(ids)) == 1
    assert len(get_ledger(slow_gateway.url)["payment_intents"]) == 1


def test_get_ignores_the_key(gateway):
    created = post(gateway.url, "/v1/payment_intents", BODY, "k5").json()
    got = httpx.get(f"{gateway.url}/v1/payment_intents/{created['id']}", headers={**AUTH, "Idempotency-Key": "k5"})
    assert got.status_code == 200 and "Idempotent-Replayed" not in got.headers
