"""The `money` part of `/_sim/ledger`, summed the same way by every gateway (Stripe, Alipay, WeChat Pay),
so the integrity rules read money alike whatever the dialect: captured, refunded and net by currency,
by intent, and by each metadata value of the intent behind the money, where "charges" counts the
charges that moved money for that value (two for one order is a double charge)."""

from __future__ import annotations

from collections import defaultdict


def _add(row: dict, captured: int, refunded: int) -> None:
    row["captured"] += captured
    row["refunded"] += refunded
    row["net"] += captured - refunded


class MoneyBook:
    def __init__(self) -> None:
        self.currency_totals: dict[str, dict] = {}
        self.by_intent: dict[str, dict] = {}
        self.by_metadata: dict[str, dict[str, dict]] = defaultdict(dict)

    def intent(self, intent_id: str, currency: str, metadata: dict) -> None:
        """Every intent and each of its metadata values appears, with zeros until money moves."""
        self.by_intent.setdefault(intent_id, {"captured": 0, "refunded": 0, "net": 0, "currency": currency})
        for key, value in metadata.items():
            self.by_metadata[key].setdefault(value, {"captured": 0, "refunded": 0, "net": 0, "charges": 0})

    def charge(self, captured: int, refunded: int, currency: str, intent_id: str | None, metadata: dict) -> None:
        """A charge that moved money: into its currency's total, its intent's row (a charge without an
        intent has none) and the cell of each metadata value."""
        _add(self.currency_totals.setdefault(currency, {"captured": 0, "refunded": 0, "net": 0}), captured, refunded)
        if intent_id is not None:
            _add(self.by_intent.setdefault(intent_id, {"captured": 0, "refunded": 0, "net": 0, "currency": currency}),
                 captured, refunded)
        for key, value in metadata.items():
            cell = self.by_metadata[key].setdefault(value, {"captured": 0, "refunded": 0, "net": 0, "charges": 0})
            _add(cell, captured, refunded)
            cell["charges"] += 1

    def to_dict(self) -> dict:
        return {"currency_totals": self.currency_totals, "by_intent": self.by_intent,
                "by_metadata": dict(self.by_metadata)}
