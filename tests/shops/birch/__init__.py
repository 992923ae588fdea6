"""Birch: a shop of the redirect flow (docs/flows/redirect.md). Its server creates a Checkout Session
and answers 303 to its hosted page; the customer comes back to `/return?session_id=...` (the shop's
success_url and cancel_url alike), where the shop reads the session to say what happened; the order
is fulfilled on `checkout.session.completed` (paid) only.

Planted defects (BIRCH_DEFECTS=a,b):
- `fulfil_on_redirect`: fulfils the order when the customer lands on /return, not on the webhook;
- `trust_success_url`: tells the customer "paid" (and records it) whenever they land on /return,
  without reading the session.
"""
