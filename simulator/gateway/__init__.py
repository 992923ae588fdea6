"""A Stripe-compatible, stateful fake gateway: test cards, idempotency, webhooks, /_sim introspection.

Run it with `paychaos gateway`; start it from tests with `paychaos.gateway.testing.running_gateway`.
"""
