"""The `naive` reference merchant: a plain checkout works, but it takes the shortcuts real
integrations take. Each one is deliberate, and each should cost it points in the dimension named:

1. retry     - no timeouts of its own: a gateway that hangs holds the customer as long as the socket lives.
2. retry     - retries every failed call (3 attempts, immediately, no backoff) WITHOUT an idempotency
               key: a lost answer after a charge becomes a second charge (integrity).
3. retry     - retries hard declines (insufficient funds, lost card, ...) like any other failure.
4. retry     - ignores Retry-After and Stripe-Should-Retry.
5. prompt    - failure messages are the raw gateway error JSON or the exception text, in English
               whatever the customer's locale; lost/stolen/fraud reasons are leaked verbatim.
6. prompt    - says "failed" when the answer was lost, even when the charge went through.
7. fallback  - never uses the backup gateway and never offers alternative methods.
8. integrity - double submit (two clicks) charges twice: no per-order lock, no check of the order's state.
9. integrity - cancel marks the order canceled but never refunds.
10. integrity - webhooks are not verified (any POST is believed) nor deduplicated: every delivery of
               payment_intent.succeeded fulfils the order again, and the last event wins, so a late
               payment_failed turns a paid order back into failed.
11. integrity - fulfils in the checkout path AND in the webhook handler (double fulfilment).
"""
