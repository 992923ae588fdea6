"""Lantern & Brass: a plain Flask shop on the real stripe SDK.

Shaped unlike the reference merchants on purpose: its own API (`POST /api/orders`), its own order ids
(`LB-1001`, ...), its own prices (the client's amount is never trusted), its own state words (`complete`,
`declined`, `processing`, `cancelled`, `refunded`), the common `{"error": {"message": ...}}` envelope, a
Customer and a payment-method listing before the PaymentIntent, one gateway, English only, and no message
on a paid answer. `LANTERN_API=charges` pays with the legacy Charges API instead; `LANTERN_DEFECTS=a,b`
plants defects (see defects.py).
"""
