"""Decline wave: healthy, then the issuer declines 40% of payments for insufficient funds, then recovery: no hard decline may be retried."""

from _paychaos_locust import CheckoutCustomer, PhasedShape

THRESHOLD = 75

_DECLINE = {"fault": "decline", "params": {"code": "card_declined", "decline_code": "insufficient_funds"},
            "match": {"kind": "payment", "method": "POST"}, "probability": 0.4}


class Customer(CheckoutCustomer):
    cards = {"pm_card_visa": 1.0}


class DeclineWave(PhasedShape):
    phases = [
        {"name": "healthy", "share": 1, "users": 1.0, "rules": []},
        {"name": "decline-wave", "share": 2, "users": 1.0, "rules": [_DECLINE]},
        {"name": "recovery", "share": 1, "users": 1.0, "rules": []},
    ]
