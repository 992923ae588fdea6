"""Brownout: healthy, then 30% of primary payment calls answer 503, then both gateways are down, then recovery."""

from _paychaos_locust import CheckoutCustomer, PhasedShape

THRESHOLD = 70

_PAYMENTS = {"kind": "payment"}  # any dialect's payment calls (docs/reference/scenario-file.md#kind-match-a-call-by-what-it-means)


def _down(upstream: str, probability: float = 1.0) -> dict:
    return {"fault": "http_error", "params": {"status": 503},
            "match": {"upstream": upstream, **_PAYMENTS}, "probability": probability}


class Customer(CheckoutCustomer):
    cards = {"pm_card_visa": 1.0}


class Brownout(PhasedShape):
    phases = [
        {"name": "healthy", "share": 1, "users": 1.0, "rules": []},
        {"name": "brownout-30pct-5xx", "share": 1, "users": 1.0, "rules": [_down("primary", 0.3)]},
        {"name": "full-outage", "share": 1, "users": 1.0, "rules": [_down("primary"), _down("backup")]},
        {"name": "recovery", "share": 1, "users": 1.0, "rules": []},
    ]
