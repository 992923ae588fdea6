"""One module per Stripe resource; each exposes ROUTES. `sim` serves the /_sim introspection API."""

from simulator.gateway.resources import (
    charges,
    customers,
    events,
    payment_intents,
    payment_methods,
    refunds,
)

ROUTES = [
    *payment_intents.ROUTES, *payment_methods.ROUTES, *charges.ROUTES, *refunds.ROUTES,
    *customers.ROUTES, *events.ROUTES,
]
