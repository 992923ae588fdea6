"""The `resilient` reference merchant: what a careful payment integration does. It speaks Stripe's HTTP
API itself with `requests` (stripe_http.py), so it runs in a base install, without the stripe SDK.

- its own timeouts: 2 s per gateway call (slow bodies included), an answer within 7.5 s;
- bounded exponential backoff with jitter (0.2 s base) on connection errors, timeouts, 5xx, 409, 429;
- ONE idempotency key per order attempt, reused on every retry and on the backup gateway;
- honours Retry-After (when it fits the budget; otherwise stops calling) and Stripe-Should-Retry;
- never retries a card error, nor resends payment details that were hard-declined;
- looks an unclear outcome up (search by metadata order_id) before answering, says `pending`
  ("being confirmed") when it cannot know, and a reconciler settles it later;
- fails over to the backup gateway behind a circuit breaker, only when the primary surely did not
  charge; a late orphan charge on the primary is refunded by the reconciler;
- specific messages per decline in English or Chinese (lost/stolen/fraud shown as a plain
  decline), alternatives (alipay, wechat_pay, bank_transfer) offered on failure, no internals;
- refunds on cancel; verifies webhook signatures, dedupes by event id, converges pending -> paid,
  fulfils each order once (`fulfilled` in GET /orders/{id}).
"""
