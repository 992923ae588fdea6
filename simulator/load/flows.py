"""The browser-era flows under load: a Locust customer plays the target's `checkout.flow` after the
merchant's checkout answer, with the driver's own flow code (paychaos.driver: `Driver.after_answer`),
so a load run counts what the customer ends up with, not the hand-off.

- `client_secret`: the browser confirms the PaymentIntent as stripe.js does, follows 3-D Secure as the
  card demands (the customer passes it), then reads the merchant's order while its webhook lands.
- `redirect`: the browser pays the hosted page like a customer and follows the redirect back.
- `server`: nothing to play; the merchant's answer is the outcome (the Locust user reads it itself).
- `browser`: refused before anything starts (a real Chromium per customer is not load; docs/load.md).

The browser's calls go through the proxy in front of the customer's merchant (each merchant's own,
with `--proxies N`), on loopback only. Locust runs its users as gevent greenlets with the standard
library patched, so the driver's blocking `requests` calls and sleeps yield to the other users.

`unobserved` is the verdict's side: checkouts of a browser-era shop whose final outcome nobody saw
make the run inconclusive.
"""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

from paychaos.common.errors import InputError
from paychaos.driver import Customer, Driver, Payment, payment_for
from paychaos.scenario.cards import TEST_CARDS
from paychaos.scenario.model import Action
from paychaos.target import Answer, Target, load_target

PLAYED = ("client_secret", "redirect")   # flows a load customer plays after the merchant's answer
HANDED_OFF = ("client_secret", "redirect")   # raw_status of an answer that hands the customer on, unplayed


def check(target: Target, *, remote_workers: int = 0) -> None:
    """Refuse, before anything starts, a flow a load run cannot play (InputError: exit 2)."""
    if target.flow == "browser":
        raise InputError("is browser: the customer pays on the merchant's own page in a real browser, and "
                         "`paychaos load` does not drive a real browser per customer; use `paychaos run` "
                         "for this target, or a target of the same shop whose checkout call answers a client "
                         "secret or a redirect", file=target.path, field="checkout.flow",
                         valid="server, client_secret, redirect (for paychaos load)")
    if target.flow == "qr":
        raise InputError("is qr: the customer scans the shop's QR code with a phone, which `paychaos load` "
                         "does not play; use `paychaos run` for this target (docs/flows/qr.md)",
                         file=target.path, field="checkout.flow",
                         valid="server, client_secret, redirect (for paychaos load)")
    if target.flow in PLAYED and remote_workers:
        raise InputError(f"the {target.flow} flow's browser leg goes through this machine's proxy on "
                         "loopback, which workers on other machines cannot reach", file=target.path,
                         field="checkout.flow", valid="--workers N (local) with this target, or a server-flow target "
                         "with --expect-remote-workers")


def merchants(stack) -> dict[str, dict]:
    """Per merchant (its base_url): the proxy listener it uses as its gateway, and the routes that take
    the browser's gateway pages through that same proxy (paychaos.driver.browser)."""
    out = {}
    for merchant, proxy in zip(stack.merchants, stack.proxies, strict=False):
        listeners = proxy.info.get("listeners") or {"primary": proxy.url}
        routes = {gw.url: listeners[name] for name, gw in stack.gateways.items() if listeners.get(name)}
        out[merchant.base_url] = {"gateway_url": listeners["primary"],
                                  "backup_gateway_url": listeners.get("backup"), "routes": routes}
    return out


def config(target: Target, stack) -> dict:
    """What the Locust users need to play the flow (part of `--paychaos-config`)."""
    if target.flow not in PLAYED:
        return {"flow": target.flow}
    return {"flow": target.flow, "target": str(Path(target.path).resolve()), "merchants": merchants(stack)}


class FlowPlayer:
    """One Locust user's browser: plays the target's flow after each checkout answer."""

    def __init__(self, cfg: dict, base_url: str, timeout_s: float):
        self.target = _target(cfg["target"])
        merchant = (cfg.get("merchants") or {}).get(base_url) or {}
        self.timeout_s = timeout_s
        self.driver = Driver(self.target, base_url, {"gateway_url": merchant.get("gateway_url"),
                                                     "backup_gateway_url": merchant.get("backup_gateway_url")},
                             routes=merchant.get("routes") or {})

    def play(self, values: dict, http_status: int, headers, body, elapsed_s: float) -> dict:
        """The customer's part after the merchant's answer; the checkout record's fields it decides:
        the final status and message, the whole wait (elapsed_s), what the customer was expected to get."""
        customer = customer_of(values)
        payment = payment_of(customer, values)
        payment = self.driver.expected_in_flow(customer, payment)
        result = self.driver.new_result(customer, payment, "checkout", payment.expected)
        result.http_status, result.elapsed_s = http_status, elapsed_s
        try:
            answer = Answer(http_status, dict((headers or {}).items()), body)   # Locust's FastHttpUser headers
            self.driver.after_answer(customer, payment, result, answer, self.timeout_s)
        finally:
            self.driver.forget(customer.order_id)
        return {"status": result.status, "raw_status": result.raw_status, "http_status": result.http_status,
                "error": result.error, "message": result.message[:200] if result.message else None,
                "alternatives": list(result.alternatives or []), "merchant_order_id": result.merchant_order_id,
                "elapsed_s": None if result.elapsed_s is None else round(result.elapsed_s, 4),
                "expected": result.expected, "flow": self.target.flow, "pan_leaks": result.pan_leaks}


@functools.lru_cache(maxsize=4)
def _target(path: str) -> Target:
    """The target file, read once per Locust process (not once per user)."""
    return load_target(path)


def customer_of(values: dict) -> Customer:
    return Customer(index=0, order_id=values["order.id"], amount=int(values["order.amount"]),
                    currency=values["order.currency"], locale=values.get("customer.locale") or "en_US",
                    name=values.get("customer.name") or "", email=values.get("customer.email") or "",
                    phone=values.get("customer.phone") or "", token=values.get("payment.token") or "",
                    action=Action.CHECKOUT)


def payment_of(customer: Customer, values: dict) -> Payment:
    """The customer's test card; a token no test card stands for is paid as that token alone."""
    if customer.token in TEST_CARDS:
        return payment_for(customer)
    return Payment(customer.token or None, "", 12, datetime.date.today().year + 3, "", "paid")


def unobserved(flow: str | None, checkouts: list[dict]) -> list[str]:
    """Why a load run on a browser-era shop could not observe its checkouts' final outcomes (the
    verdict's inconclusive reasons), or []. A checkout whose record says the flow was not played (a
    profile whose user only sends the checkout call), or whose answer handed the customer on and was
    left there, ends "pending" with no money moved: it measures nothing."""
    if flow not in PLAYED or not checkouts:
        return []
    unplayed = [c for c in checkouts if c.get("flow") != flow]
    left = [c for c in checkouts if c.get("flow") == flow and c.get("status") == "pending"
            and c.get("raw_status") in HANDED_OFF]
    out = []
    if unplayed:
        out.append(f"{len(unplayed)} of {len(checkouts)} checkout(s) of this {flow}-flow shop were only sent, "
                   f"their {_part(flow)} never played (the profile's Locust user does not play the flow): "
                   "their final outcome was not observed")
    if left:
        out.append(f"{len(left)} of {len(checkouts)} checkout(s) stopped at the merchant's hand-off "
                   f"({_part(flow)} not reached): their final outcome was not observed")
    return out


def _part(flow: str) -> str:
    return "browser's confirm" if flow == "client_secret" else "hosted page"
