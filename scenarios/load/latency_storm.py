"""Latency storm: healthy, then primary payment calls take 1.5-2.5 s, then half of them hang, then recovery."""

from _paychaos_locust import CheckoutCustomer, PhasedShape

THRESHOLD = 70

_MATCH = {"upstream": "primary", "kind": "payment"}  # any dialect's payment calls


class Customer(CheckoutCustomer):
    cards = {"pm_card_visa": 1.0}


class LatencyStorm(PhasedShape):
    phases = [
        {"name": "healthy", "share": 1, "users": 1.0, "rules": []},
        {"name": "slow-primary", "share": 1, "users": 1.0,
         "rules": [{"fault": "latency", "params": {"delay_ms": 2000, "jitter_ms": 500}, "match": _MATCH}]},
        {"name": "hanging-primary", "share": 1, "users": 1.0,
         "rules": [{"fault": "hang", "params": {}, "match": _MATCH, "probability": 0.5}]},
        {"name": "recovery", "share": 1, "users": 1.0, "rules": []},
    ]
