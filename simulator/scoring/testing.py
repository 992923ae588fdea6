"""Hand-made observations for tests: a `Run` collects customer answers, journal exchanges, ledger
charges and order states on one clock, and builds `Observations` from them.

    run = Run(cause="gateway_outage", faults=[fault("http_error", status=503)], backup=True)
    run.paid("ord_1")                                   # a graceful, successful checkout
    run.exchange("ord_2", status=503, at=0.0)           # a failed attempt ...
    run.exchange("ord_2", status=200, at=0.4, upstream="backup")
    run.charge("ord_2", gateway="backup")
    run.checkout("ord_2", status="paid")
    result = score(run.observations())
"""

from __future__ import annotations

import itertools

from paychaos.observations import CheckoutResult, Observations, Shop
from paychaos.scenario.model import Action, Cause, Customers, Expect, FaultRule, Match, Scenario

T0 = 1_764_160_000.0

MESSAGES = {
    ("paid", "en"): "Thank you, payment received.",
    ("paid", "zh"): "支付成功，感谢您的购买。",
    ("pending", "en"): "Your payment is being confirmed; please do not pay again.",
    ("pending", "zh"): "您的支付正在确认中，请勿重复支付。",
    ("failed", "en"): "Card payments are temporarily unavailable. Please try again later or choose "
                      "another payment method.",
    ("failed", "zh"): "银行卡支付暂时不可用，请稍后重试，或选择其他支付方式。",
}


def fault(name: str, upstream: str | None = "primary", **params) -> FaultRule:
    return FaultRule(fault=name, params=params, match=Match(upstream=upstream))


def scenario(cause: str = "healthy", faults: list[FaultRule] | None = None, actions: list[str] | None = None,
             name: str | None = None, **expect) -> Scenario:
    return Scenario(name=name or f"test-{cause}", cause=Cause(cause), description="hand-made",
                    customers=Customers(count=1), actions=[Action(a) for a in actions or ["checkout"]],
                    faults=list(faults or []), expect=Expect(**expect))


class Run:
    def __init__(self, cause: str = "healthy", faults: list[FaultRule] | None = None,
                 actions: list[str] | None = None, backup: bool = False, shop: Shop | None = None, **expect):
        self.scenario = scenario(cause, faults, actions, **expect)
        # Shaped like the reference merchants unless told: a backup when there is one, en + zh, paid messages.
        self.shop = shop or Shop(gateways=2 if backup else 1, languages=("en", "zh"), paid_message=True)
        self.checkouts: list[CheckoutResult] = []
        self.journal: list[dict] = []
        self.ledgers: dict[str, dict] = {"primary": _empty_ledger()}
        if backup:
            self.ledgers["backup"] = _empty_ledger()
        self.orders: dict[str, dict] = {}
        self.amounts: dict[str, int] = {}
        self._seq = itertools.count(1)
        self._amount = itertools.count(1001, 7)

    def amount(self, order_id: str) -> int:
        if order_id not in self.amounts:
            self.amounts[order_id] = next(self._amount)
        return self.amounts[order_id]

    def checkout(self, order_id: str, status: str | None = "paid", *, expected: str = "paid",
                 message: str | None = None, locale: str = "en_US", alternatives: list | None = None,
                 at: float = 0.0, elapsed_s: float | None = 0.4, step: str = "checkout",
                 action: str = "checkout", error: str | None = None, body: str | None = None,
                 pan_leaks: int = 0) -> CheckoutResult:
        """What the customer was told; with status None, the request got no answer at all."""
        lang = "zh" if locale.startswith("zh") else "en"
        if message is None and status is not None:
            message = MESSAGES.get((status, lang), "")
        if status is None:
            alternatives = alternatives or []
        elif alternatives is None:
            alternatives = ["alipay", "wechat_pay", "bank_transfer"] if status == "failed" else []
        result = CheckoutResult(
            order_id=order_id, action=action, step=step, amount=self.amount(order_id), expected=expected,
            locale=locale, http_status=200 if status is not None else None, status=status, raw_status=status,
            message=message, alternatives=alternatives, body=body or "", started_at=T0 + at,
            elapsed_s=elapsed_s, error=error, pan_leaks=pan_leaks)
        self.checkouts.append(result)
        return result

    def exchange(self, order_id: str | None, status: int | None = 200, *, at: float = 0.0,
                 duration: float = 0.05, upstream: str = "primary", method: str = "POST",
                 path: str = "/v1/payment_intents", key: str | None = "auto", confirm: bool = True,
                 payment_method: str = "pm_card_visa", metadata: bool = True, amount: int | None = None,
                 error: str | None = None, faults: list[str] | None = None, retry_after: float | None = None,
                 should_retry: str | None = None, card_error: str | None = None,
                 upstream_status: int | None = None, event: dict | None = None,
                 direction: str = "to_gateway", query: str = "") -> dict:
        """One journal record; a card_error code makes it a 402 decline with that decline code."""
        seq = next(self._seq)
        request: dict = {}
        if method == "POST" and direction == "to_gateway":
            request = {"amount": amount if amount is not None else (self.amount(order_id) if order_id else 0),
                       "currency": "usd", "payment_method": payment_method}
            if confirm:
                request["confirm"] = "true"
            if metadata and order_id:
                request["metadata"] = {"order_id": order_id}
        err = None
        if card_error:
            status = 402
            code = card_error if card_error in ("expired_card", "incorrect_cvc", "incorrect_number",
                                                "processing_error") else "card_declined"
            err = {"type": "card_error", "code": code,
                   "decline_code": card_error if code == "card_declined" else None}
        response = None
        if status is not None:
            response = {"object": "payment_intent" if status == 200 else None,
                        "id": f"pi_{order_id}" if status == 200 and order_id else None,
                        "status": "succeeded" if status == 200 else None, "error": err,
                        "retry_after": None if retry_after is None else f"{retry_after:g}",
                        "should_retry": should_retry}
        record = {
            "id": f"j-{seq:06d}", "seq": seq, "scenario": self.scenario.name, "upstream": upstream,
            "direction": direction, "method": method, "path": path, "query": query,
            "idempotency_key": (f"order-{order_id}" if key == "auto" and method == "POST" else
                                (None if key == "auto" else key)),
            "request": request, "event": event, "status": status,
            "upstream_status": upstream_status if upstream_status is not None else status,
            "response": response, "faults": [{"fault": f, "rule": "r1"} for f in faults or []],
            "error": error, "t_start": T0 + at, "t_first_byte": None if status is None else T0 + at + duration,
            "t_end": T0 + at + duration,
        }
        self.journal.append(record)
        return record

    def webhook(self, object_id: str, type_: str = "payment_intent.succeeded", status: int | None = 200, *,
                at: float = 0.0, event_id: str | None = None, forged: str | None = None,
                faults: list[str] | None = None) -> dict:
        """A delivery to the merchant on the webhook leg; `forged` (a webhook_forge mode) marks one the
        proxy made up, as its journal does (with `replay_of`, the genuine delivery before it)."""
        record = self.exchange(None, status, at=at, direction="to_merchant", upstream="webhooks", path="/webhooks/stripe",
                               key=None, faults=faults or (["webhook_forge"] if forged else None),
                               event={"id": event_id or f"evt_{len(self.journal) + 1:04d}", "type": type_,
                                      "object_id": object_id})
        if forged:
            record["forged"] = forged
            record["replay_of"] = next((r["id"] for r in reversed(self.journal[:-1])
                                        if r.get("direction") == "to_merchant" and not r.get("forged")), None)
        return record

    def intent(self, order_id: str, *, status: str = "requires_payment_method", gateway: str = "primary") -> str:
        """A PaymentIntent without a charge (declined, canceled, ...) in a gateway's ledger; its id."""
        ledger = self.ledgers[gateway]
        pi_id = f"pi_{gateway[0]}{len(ledger['payment_intents']) + 1:04d}{order_id}"
        ledger["payment_intents"].append({
            "id": pi_id, "amount": self.amount(order_id), "currency": "usd", "status": status,
            "capture_method": "automatic", "payment_method": "pm_card_visa", "metadata": {"order_id": order_id},
            "amount_received": 0, "amount_capturable": 0, "latest_charge": None, "created": int(T0)})
        return pi_id

    def charge(self, order_id: str | None, *, gateway: str = "primary", amount: int | None = None,
               refunded: int = 0, metadata: bool = True, captured: bool = True) -> dict:
        """A charge in a gateway's ledger (with its PaymentIntent)."""
        ledger = self.ledgers[gateway]
        n = len(ledger["charges"]) + 1
        amount = amount if amount is not None else self.amount(order_id)
        meta = {"order_id": order_id} if metadata and order_id else {}
        pi_id = f"pi_{gateway[0]}{n:04d}{order_id or 'x'}"
        ledger["payment_intents"].append({
            "id": pi_id, "amount": amount, "currency": "usd",
            "status": "succeeded" if captured else "requires_capture", "capture_method": "automatic",
            "payment_method": "pm_card_visa", "metadata": meta, "amount_received": amount if captured else 0,
            "amount_capturable": 0 if captured else amount, "latest_charge": f"ch_{gateway[0]}{n:04d}",
            "created": int(T0)})
        charge = {"id": f"ch_{gateway[0]}{n:04d}", "payment_intent": pi_id, "amount": amount,
                  "amount_captured": amount if captured else 0, "amount_refunded": refunded,
                  "captured": captured, "refunded": refunded >= amount, "paid": True, "status": "succeeded",
                  "metadata": meta, "created": int(T0)}
        ledger["charges"].append(charge)
        return charge

    def state(self, order_id: str, status: str, **extra) -> None:
        """The merchant's order-status answer for the order."""
        self.orders[order_id] = {"order_id": order_id, "status": status, "http_status": 200, **extra}

    def paid(self, order_id: str, *, at: float = 0.0, locale: str = "en_US", gateway: str = "primary") -> None:
        """A graceful successful checkout: one keyed attempt, one charge, told paid, order paid."""
        self.exchange(order_id, 200, at=at, upstream=gateway)
        self.charge(order_id, gateway=gateway)
        self.checkout(order_id, "paid", at=at, locale=locale)
        self.state(order_id, "paid")

    def observations(self, errors: list[str] | None = None) -> Observations:
        return Observations(scenario=self.scenario, checkouts=list(self.checkouts), journal=list(self.journal),
                            ledger=_with_money(self.ledgers["primary"]),
                            backup_ledger=_with_money(self.ledgers["backup"]) if "backup" in self.ledgers else None,
                            orders=dict(self.orders), started_at=T0, ended_at=T0 + 10, errors=list(errors or []),
                            shop=self.shop)


def _empty_ledger() -> dict:
    return {"payment_intents": [], "charges": [], "refunds": []}


def _with_money(ledger: dict) -> dict:
    by_order: dict[str, dict] = {}
    captured = refunded = 0
    for ch in ledger["charges"]:
        captured += ch["amount_captured"]
        refunded += ch["amount_refunded"]
        oid = ch["metadata"].get("order_id")
        if oid:
            row = by_order.setdefault(oid, {"captured": 0, "refunded": 0, "net": 0, "charges": 0})
            row["captured"] += ch["amount_captured"]
            row["refunded"] += ch["amount_refunded"]
            row["net"] = row["captured"] - row["refunded"]
            row["charges"] += 1
    return {**ledger, "money": {"currency_totals": {"usd": {"captured": captured, "refunded": refunded,
                                                           "net": captured - refunded}},
                                "by_metadata": {"order_id": by_order}}}
