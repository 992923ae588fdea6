"""The one request builder and answer reader for a call to the merchant, shared by the driver
(`paychaos run`) and the Locust users (`paychaos load`): the same customer values give the same
request on the wire, and the same answer gives the same reading.

    req = build(target.checkout, values, file=target.path, section="checkout")
    # send req.method, req.path, data=req.body, headers=req.headers, never following redirects
    reading = read_outcome(target.outcome, Answer(status_code, headers, parsed_json_or_None))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from paychaos.common.masking import mask_text
from paychaos.target import HEADER_PREFIX, Answer, Call, Outcome, header, read_field, render

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
KEPT_HEADERS = ("Location", "Content-Type")  # always kept from an answer, with those the outcome reads
MAX_HEADERS = 6
HEADER_LIMIT = 500


@dataclass(frozen=True)
class Request:
    """One filled request: the body already encoded (JSON or form), with its Content-Type."""

    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def build(call: Call, values: dict, *, file: str = "", section: str = "checkout") -> Request:
    """Fill the call's templates with one customer's values. Keys whose value is empty (null, such as
    the token of a raw-card payment) are left out of the body."""
    path = render(call.path, values, file=file, where=f"{section}.path")
    if call.form is not None:
        fields = prune(render(call.form, values, file=file, where=f"{section}.form"))
        return Request(call.method, path, urlencode(form_pairs(fields)).encode(), {"Content-Type": FORM_TYPE})
    if call.json is not None:
        body = prune(render(call.json, values, file=file, where=f"{section}.json"))
        return Request(call.method, path, json.dumps(body).encode(), {"Content-Type": JSON_TYPE})
    return Request(call.method, path)


def prune(value):
    """Drop null values and mappings left empty by it, at any depth."""
    if isinstance(value, dict):
        out = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def form_pairs(fields: dict, prefix: str = "") -> list[tuple[str, str]]:
    """A (nested) mapping as form fields: `card: {number: ...}` -> `card[number]=...`, lists as
    `items[0]=...` (the bracket style of Stripe, Rails and PHP), true/false in lower case."""
    pairs: list[tuple[str, str]] = []
    items = fields.items() if isinstance(fields, dict) else enumerate(fields)
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict | list):
            pairs += form_pairs(value, name)
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


@dataclass
class Reading:
    """What the outcome section reads from one checkout answer."""

    status: str                       # paid | pending | failed
    raw_status: str | None            # the merchant's own word (None: absent from the answer)
    message: str | None = None        # masked
    alternatives: list = field(default_factory=list)
    order_id: str | None = None       # the order id the merchant minted
    headers: dict[str, str] = field(default_factory=dict)  # the headers that matter, masked


MESSAGE_LIMIT = 1000   # characters of a merchant's message kept (a 20 MB message must not become the report)


def shown_text(value) -> str | None:
    """A merchant's message as kept: masked (cards, secrets) and cut to MESSAGE_LIMIT, saying so."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= MESSAGE_LIMIT:
        return mask_text(text)
    kept = mask_text(text[: 2 * MESSAGE_LIMIT])[:MESSAGE_LIMIT]
    return f"{kept}… [cut: {len(text):,} characters in all]"


def read_outcome(outcome: Outcome, answer: Answer) -> Reading:
    raw = read_field(answer, outcome.status)
    message = read_field(answer, outcome.message)
    alternatives = read_field(answer, outcome.alternatives)
    order_id = read_field(answer, outcome.order_id)
    return Reading(
        status=outcome.classify(raw),
        raw_status=None if raw is None else str(raw),
        message=shown_text(message),
        alternatives=list(alternatives) if isinstance(alternatives, list) else [],
        order_id=str(order_id) if isinstance(order_id, str | int) and not isinstance(order_id, bool)
        and str(order_id) else None,
        headers=kept_headers(answer.headers, outcome),
    )


def kept_headers(headers, outcome: Outcome | None = None) -> dict[str, str]:
    """Location, Content-Type and the headers the outcome reads, masked; at most MAX_HEADERS."""
    names = list(KEPT_HEADERS)
    for source in outcome.sources() if outcome else ():
        if source.startswith(HEADER_PREFIX):
            names.append(source[len(HEADER_PREFIX):])
    kept: dict[str, str] = {}
    for name in dict.fromkeys(n.title() for n in names):
        value = header(headers, name)
        if value is not None and len(kept) < MAX_HEADERS:
            kept[name] = mask_text(str(value))[:HEADER_LIMIT]
    return kept
