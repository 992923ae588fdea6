"""One module per Stripe resource; each exposes ROUTES. `sim` serves the /_sim introspection API."""

from paychaos.gateway.resources import (
    balance,
    charges,
    checkout_sessions,
    customers,
    events,
    payment_intents,
    payment_methods,
    prices,
    products,
    refunds,
    setup_intents,
    tokens,
)

ROUTES = [
    *payment_intents.ROUTES, *payment_methods.ROUTES, *charges.ROUTES, *refunds.ROUTES,
    *customers.ROUTES, *events.ROUTES, *setup_intents.ROUTES, *tokens.ROUTES, *products.ROUTES,
    *prices.ROUTES, *checkout_sessions.ROUTES, *balance.ROUTES,
]
