"""The four observations scoring reads, and nothing else:

1. what the driver saw      -> `CheckoutResult` (customer-facing answers and their timing)
2. the proxy journal        -> list of journal records (dicts, docs/ARCHITECTURE.md)
3. the gateway ledger       -> `/_sim/ledger` of the primary (and the backup, if any)
4. the merchant's orders    -> order-status answers, by order id

and what a scoring rule returns: `Finding`s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from paychaos.scenario.model import Scenario
from paychaos.target import Shop


class Dimension(StrEnum):
    PROMPT = "prompt"        # what the customer was told, and when
    RETRY = "retry"          # how the merchant retried the gateway
    FALLBACK = "fallback"    # backup gateway or alternative methods
    INTEGRITY = "integrity"  # money: nothing lost, nothing doubled, states converge


class Severity(StrEnum):
    CRITICAL = "critical"  # money lost or doubled, or the customer told the opposite of the truth
    MAJOR = "major"        # the customer or the gateway is harmed: no answer, retry storm, hard decline retried
    MINOR = "minor"        # short of good practice: vague message, no next step, no alternative offered
    INFO = "info"          # worth knowing; costs no points


@dataclass
class CheckoutResult:
    """One customer-facing request the driver made, and what came back."""

    order_id: str
    action: str                      # the scenario action this request belongs to
    step: str = "checkout"           # checkout | checkout#2 (double submit) | cancel
    amount: int = 0
    currency: str = "usd"
    payment: str = ""                # the token, or the masked card number
    expected: str = "paid"           # what the customer should end up with: paid | declined:<code> | invalid:<code>
    locale: str = "en_US"
    email: str = ""                  # the customer's email (ties a gateway Customer to the order)
    http_status: int | None = None
    status: str | None = None        # mapped by the target's outcome: paid | pending | failed | None (no answer)
    raw_status: str | None = None    # as the merchant said it
    message: str | None = None
    alternatives: list = field(default_factory=list)
    body: str = ""                   # the raw answer, masked and truncated
    started_at: float = 0.0          # epoch seconds
    elapsed_s: float | None = None
    error: str | None = None         # transport error the driver saw: timeout | connection | ...
    pan_leaks: int = 0               # whole card numbers the driver found in the answer before masking it
    merchant_order_id: str | None = None  # the order id the merchant minted (the target's outcome.order_id)
    headers: dict = field(default_factory=dict)  # the answer's headers that matter (Location, ...), masked
    # What the simulation did for this customer away from the shop and the page (docs/flows/):
    # `session_expired` (the Checkout Session's time ran out), `payment_settled` / `payment_failed`
    # (an Alipay / WeChat Pay payment settled or failed after the customer was back).
    sim: list[str] = field(default_factory=list)
    # The merchant's order-status answer read once the customer was back and before the wallet's money
    # settled (actions async_settles / async_fails): what the shop did before the money was there.
    order_before_settled: dict | None = None
    screenshot: str | None = None    # flow browser: the page at the end (a data: URL), for customers not paid
    inconclusive: str | None = None  # why the driver could not play this checkout (flow qr: a QR code it cannot scan)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Observations:
    scenario: Scenario
    checkouts: list[CheckoutResult]
    journal: list[dict]
    ledger: dict                     # primary gateway's /_sim/ledger
    backup_ledger: dict | None       # backup gateway's, when one ran
    orders: dict[str, dict]          # order id -> the merchant's order-status answer ({"status": ...})
    started_at: float = 0.0
    ended_at: float = 0.0
    errors: list[str] = field(default_factory=list)  # the scenario could not run properly (merchant died, ...)
    shop: Shop = field(default_factory=Shop)          # what the shop claims to have (the target's `shop`)
    proxy_health: dict | None = None  # the proxy's /_paychaos/health after the scenario (journal counters)
    notes: list[str] = field(default_factory=list)   # how the run was done, worth knowing (not problems)


@dataclass
class Finding:
    rule: str
    dimension: Dimension
    severity: Severity
    message: str
    evidence: dict = field(default_factory=dict)  # journal_ids, order_ids, timings_ms, ...

    def to_dict(self) -> dict:
        return {"rule": self.rule, "dimension": str(self.dimension), "severity": str(self.severity),
                "message": self.message, "evidence": self.evidence}
