"""Cedar: a shop of the client-secret flow (docs/flows/client-secret.md). Its server creates a
PaymentIntent and answers its client secret; the page (paychaos's driver) confirms it; the order is
fulfilled on the `payment_intent.succeeded` webhook only.

Planted defect (CEDAR_DEFECTS=no_requires_action): the shop takes `requires_action` for success: the
order is marked paid and fulfilled when the intent asks for 3-D Secure, before anyone authenticated.
"""
