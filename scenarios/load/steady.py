"""Steady: a constant crowd of customers, a realistic card mix, no faults: the baseline."""

from _paychaos_locust import CheckoutCustomer, PhasedShape

THRESHOLD = 80


class Customer(CheckoutCustomer):
    cards = {"pm_card_visa": 0.85, "pm_card_mastercard": 0.1,
             "pm_card_visa_chargeDeclinedInsufficientFunds": 0.05}


class Steady(PhasedShape):
    phases = [{"name": "steady", "share": 1, "users": 1.0, "rules": []}]
