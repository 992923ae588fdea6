"""Stripe-Signature: what the gateway signs, the merchants verify (a unit test of the two functions)."""

from __future__ import annotations

from paychaos.common.stripe_signature import sign, verify

BODY = b'{"id": "evt_1", "type": "payment_intent.succeeded"}'
SECRET = "whsec_unit"
NOW = 1_800_000_000


def test_a_signature_made_by_sign_verifies_and_nothing_else_does():
    header = sign(BODY.decode(), SECRET, timestamp=NOW)
    assert verify(BODY, header, SECRET, now=NOW)
    assert not verify(BODY, header, "whsec_other", now=NOW)
    assert not verify(BODY.replace(b"succeeded", b"canceled"), header, SECRET, now=NOW)
    assert not verify(BODY, "", SECRET, now=NOW)
    assert not verify(BODY, header, "", now=NOW)
    for broken in ("t=abc,v1=00", f"t={NOW}", "v1=00", "garbage"):
        assert not verify(BODY, broken, SECRET, now=NOW)


def test_any_v1_of_several_may_match_as_during_a_secret_rotation():
    good = sign(BODY.decode(), SECRET, timestamp=NOW).split(",")[1]
    assert verify(BODY, f"t={NOW},v1={'0' * 64},{good},v0=ignored", SECRET, now=NOW)


def test_an_old_delivery_is_refused_after_five_minutes():
    header = sign(BODY.decode(), SECRET, timestamp=NOW)
    assert verify(BODY, header, SECRET, now=NOW + 300)
    assert not verify(BODY, header, SECRET, now=NOW + 301)
    assert verify(BODY, header, SECRET, now=NOW + 3600, tolerance_s=0)
