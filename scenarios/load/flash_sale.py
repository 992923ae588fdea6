"""Flash sale: customers ramp from a tenth to the full crowd, the gateway rate-limits a fifth of calls at the peak, then the crowd thins."""

from _paychaos_locust import CheckoutCustomer, PhasedShape

THRESHOLD = 70

_RATE_LIMIT = {"fault": "rate_limit", "params": {"retry_after_s": 1},
               "match": {"upstream": "primary", "kind": "payment"}, "probability": 0.2}


class Customer(CheckoutCustomer):
    cards = {"pm_card_visa": 0.9, "pm_card_mastercard": 0.1}


class FlashSale(PhasedShape):
    phases = [
        {"name": "ramp", "share": 1, "users": 0.1, "users_end": 1.0, "rules": []},
        {"name": "peak-rate-limited", "share": 1, "users": 1.0, "rules": [_RATE_LIMIT]},
        {"name": "cool-down", "share": 1, "users": 0.3, "rules": []},
    ]
