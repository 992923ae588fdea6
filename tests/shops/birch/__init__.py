"""Birch: a shop of the redirect flow (docs/flows/redirect.md). Its server creates a Checkout Session
and answers 303 to its hosted page; the customer comes back to `/return?session_id=...` (the shop's
success_url and cancel_url alike), where the shop reads the session to say what happened; the order
is fulfilled on `checkout.session.completed` (paid) only.

Planted defects (BIRCH_DEFECTS=a,b):
- `fulfil_on_redirect`: fulfils the order when the customer lands on /return, not on the webhook;
- `trust_success_url`: tells the customer "paid" (and records it) whenever they land on /return,
  without reading the session;
- `paid_on_complete`: takes a complete session for money, whatever its `payment_status` (an Alipay /
  WeChat Pay payment completes the session unpaid): fulfils on `checkout.session.completed` and says
  paid on /return before the money settled;
- `ignore_expired`: ignores `checkout.session.expired` (the order stays pending) and tells a customer
  back on an expired session that the payment is being confirmed;
- `ignore_async_failed`: ignores `checkout.session.async_payment_failed` (the order stays pending).

Birch offers card, Alipay and WeChat Pay on the hosted page; an async payment's order is fulfilled on
`checkout.session.async_payment_succeeded` and failed on `.async_payment_failed`.
"""
