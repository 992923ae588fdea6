"""Reference merchant integrations that paychaos drives: the demo target and the proof that the
scores discriminate.

- `resilient` (paychaos.merchants.resilient): what a careful integration does.
- `naive` (paychaos.merchants.naive): the shortcuts real integrations take, each one listed.

Both implement the merchant HTTP contract of docs/ARCHITECTURE.md on top of the shared pieces here
(`server`, `orders`, `checkout_input`, `lexicon`, `config`) and talk to the gateway over HTTP only.
"""

from __future__ import annotations

MERCHANT_NAMES = ("resilient", "naive")
