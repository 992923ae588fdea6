"""Find out what a gateway really did for an order: search its PaymentIntents by metadata order_id."""

from __future__ import annotations

from dataclasses import dataclass, field

from paychaos.merchants.resilient.gateway_client import OK, Gateway

PAID_STATUSES = ("succeeded", "requires_capture")


@dataclass
class Lookup:
    reachable: bool
    intents: list[dict] = field(default_factory=list)   # PaymentIntents as dicts, newest first

    @property
    def paid(self) -> list:
        return [pi for pi in self.intents if pi.get("status") in PAID_STATUSES]

    @property
    def processing(self) -> list:
        return [pi for pi in self.intents if pi.get("status") == "processing"]

    def last_decline(self) -> tuple[str | None, str | None] | None:
        """(code, decline_code) of the newest intent that failed with a card error."""
        for pi in self.intents:
            err = pi.get("last_payment_error")
            if pi.get("status") == "requires_payment_method" and err:
                return err.get("code"), err.get("decline_code")
        return None


def search_query(order_id: str) -> str:
    escaped = order_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"metadata['order_id']:'{escaped}'"


def find_order_intents(gateway: Gateway, order_id: str, timeout_s: float) -> Lookup:
    result = gateway.call(
        lambda c: c.get("/v1/payment_intents/search", {"query": search_query(order_id), "limit": 20}),
        timeout_s)
    if result.kind != OK:
        return Lookup(False)
    intents = list(result.obj.get("data") or [])
    intents.sort(key=lambda pi: pi.get("created") or 0, reverse=True)
    return Lookup(True, intents)
