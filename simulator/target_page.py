"""`checkout.page` of a target file: how a real browser uses the merchant's own checkout page (flow
`browser`, docs/browser.md). Parsed here, used by paychaos.driver.page.

```yaml
checkout:
  flow: browser
  path: "/checkout?amount={order.amount}&order={order.id}"   # the page, opened with GET
  page:
    fill: {"#email": "{customer.email}"}   # CSS selector -> what the customer types
    submit: "#submit"                      # what the customer clicks
    message: "#payment-message"            # where the page shows its answer (a list: the first that shows text)
    spinner: "#spinner"                    # shown while the page works (optional)
    paid: ["payment received", "thank"]    # words of the shown text that mean paid
    pending: ["processing"]                # ... and still pending; any other text is a failure
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paychaos.scenario.fields import Section

DEFAULT_SUBMIT = "button[type=submit], input[type=submit], #submit"
DEFAULT_MESSAGE = ("[data-paychaos-message]", "#payment-message", "#error-message", "#card-errors", "#message",
                   "[role=alert]", ".message", ".error")
DEFAULT_SPINNER = "#spinner:not(.hidden), .spinner:not(.hidden)"
# what the page says when the payment went through, or is still on its way (compared in lower case)
DEFAULT_PAID = ("payment received", "payment succeeded", "payment successful", "payment complete",
                "thank you", "thanks", "order confirmed", "支付成功")
DEFAULT_PENDING = ("processing", "being confirmed", "pending", "正在确认", "处理中")
# the card fields of paychaos's stripe.js stand-in (and of the gateway's hosted page)
CARD_FIELDS = ("number", "expiry", "cvc", "postal")
# where the card is typed: on the shop's own page (stripe.js), or on the hosted Checkout page the shop's
# page sends the browser to (its submit button posts to the shop, which redirects to the session's url)
PAY_ON = ("page", "hosted")
HOSTED_PAY = "[data-paychaos-pay]"      # the hosted page's Pay button
HOSTED_EMAIL = "[data-paychaos-field=email]"
DEFAULT_CARD = {name: f"[data-paychaos-field={name}]" for name in CARD_FIELDS}


@dataclass(frozen=True)
class PageSpec:
    fill: dict[str, str] = field(default_factory=dict)     # selector -> template
    card: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CARD))
    submit: str = DEFAULT_SUBMIT
    message: tuple[str, ...] = DEFAULT_MESSAGE
    spinner: str | None = DEFAULT_SPINNER
    paid: tuple[str, ...] = DEFAULT_PAID
    pending: tuple[str, ...] = DEFAULT_PENDING
    pay_on: str = "page"                                   # page | hosted (PAY_ON)
    given: frozenset[str] = frozenset()                    # the keys the file set (their selectors must match)

    def classify(self, text: str) -> str:
        """What the customer reads -> paid | pending | failed."""
        low = text.casefold()
        if any(w.casefold() in low for w in self.pending):
            return "pending"
        if any(w.casefold() in low for w in self.paid):
            return "paid"
        return "failed"


def parse_page(checkout: Section, allowed_placeholders, check_placeholders) -> PageSpec:
    """checkout.page -> PageSpec (defaults when absent). check_placeholders(sec, text, where, allowed)."""
    sec = checkout.section("page", allowed=("fill", "card", "submit", "message", "spinner", "paid", "pending",
                                            "pay_on"))
    if sec is None:
        return PageSpec()
    fill = sec.raw("fill", {})
    if not isinstance(fill, dict) or not all(isinstance(k, str) and k.strip() and isinstance(v, (str, int))
                                             for k, v in fill.items()):
        raise sec.error(f"expected a mapping of CSS selector to text, got {fill!r}"[:200], field=sec.field("fill"),
                        valid='{"#email": "{customer.email}", "input[name=name]": "{customer.name}"}')
    for selector, value in fill.items():
        check_placeholders(sec, str(value), f"{sec.field('fill')}.{selector}", allowed_placeholders)
    card = sec.raw("card", None)
    if card is None:
        card_map = dict(DEFAULT_CARD)
    elif isinstance(card, dict) and set(card) <= set(CARD_FIELDS) and all(isinstance(v, str) and v.strip()
                                                                          for v in card.values()):
        card_map = {**DEFAULT_CARD, **card}
    else:
        raise sec.error(f"expected a mapping of card field to CSS selector, got {card!r}"[:200],
                        field=sec.field("card"), valid=f"keys {', '.join(CARD_FIELDS)} (the stand-in's fields "
                                                       "data-paychaos-field=... are the default)")
    message = sec.raw("message", None)
    if message is None:
        messages = DEFAULT_MESSAGE
    elif isinstance(message, str) and message.strip():
        messages = (message,)
    elif isinstance(message, list) and message and all(isinstance(m, str) and m.strip() for m in message):
        messages = tuple(message)
    else:
        raise sec.error(f"expected a CSS selector or a list of them, got {message!r}"[:200],
                        field=sec.field("message"), valid='"#payment-message" or ["#error", "#result h1"]')
    spinner = sec.raw("spinner", DEFAULT_SPINNER)
    if spinner is not None and not (isinstance(spinner, str) and spinner.strip()):
        raise sec.error(f"expected a CSS selector or null, got {spinner!r}"[:200], field=sec.field("spinner"),
                        valid='"#spinner" (shown while the page works), or null when the page has none')
    words = {}
    for key, default in (("paid", DEFAULT_PAID), ("pending", DEFAULT_PENDING)):
        value = sec.raw(key, None)
        if value is None:
            words[key] = default
        elif isinstance(value, list) and all(isinstance(w, str) and w.strip() for w in value):
            words[key] = tuple(value)
        else:
            raise sec.error(f"expected a list of words, got {value!r}"[:200], field=sec.field(key),
                            valid='["payment received", "thank you"] (found anywhere in the shown text, any case)')
    submit = sec.str("submit", DEFAULT_SUBMIT)
    pay_on = sec.raw("pay_on", "page")
    if pay_on not in PAY_ON:
        raise sec.error(f"expected one of {', '.join(PAY_ON)}, got {pay_on!r}"[:200], field=sec.field("pay_on"),
                        valid="page (the card is typed on your page, into stripe.js's fields) or hosted (your "
                              "page's submit sends the browser to Stripe Checkout's hosted page)")
    given = frozenset(k for k in ("fill", "card", "submit", "message", "spinner") if sec.has(k))
    return PageSpec(fill={k: str(v) for k, v in fill.items()}, card=card_map, submit=submit, message=messages,
                    spinner=spinner, paid=words["paid"], pending=words["pending"], pay_on=pay_on, given=given)
