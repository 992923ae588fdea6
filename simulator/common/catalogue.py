"""A catalogue: the Products and Prices the fake gateway holds from its start, and again after every
reset, so a shop configured with a Price id (`PRICE=price_...` in its .env, as Stripe's prebuilt Checkout
samples are) finds it in every scenario.

    # catalogue.yaml
    prices:
      - id: price_tshirt            # the id the shop's configuration names
        unit_amount: 2000           # in the currency's smallest unit
        currency: usd
        product: {id: prod_tshirt, name: T-shirt}   # or just a name: product: T-shirt
        lookup_key: tshirt          # optional

Read here (validated: every mistake names the file, the field and the valid forms) and seeded by the
gateway (`paychaos gateway --catalogue FILE`, or a target file's `catalogue:` key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paychaos.common.errors import InputError, brief
from paychaos.common.strict_yaml import load_yaml_file

MAX_PRICES = 1000
MAX_UNIT_AMOUNT = 99_999_999
_PRICE_ID = re.compile(r"^price_[A-Za-z0-9_]{1,200}$")
_PRODUCT_ID = re.compile(r"^prod_[A-Za-z0-9_]{1,200}$")
_CURRENCY = re.compile(r"^[a-z]{3}$")
_PRICE_KEYS = ("id", "unit_amount", "currency", "product", "lookup_key", "nickname")


@dataclass(frozen=True)
class SeedPrice:
    id: str
    unit_amount: int
    currency: str
    product_id: str
    product_name: str
    lookup_key: str | None = None
    nickname: str | None = None


def load_catalogue(path: str) -> tuple[SeedPrice, ...]:
    return parse_catalogue(load_yaml_file(path), file=str(path))


def parse_catalogue(data, *, file: str) -> tuple[SeedPrice, ...]:
    def error(message: str, field: str | None, valid: str) -> InputError:
        return InputError(message, file=file, field=field, valid=valid)

    if not isinstance(data, dict) or set(data) != {"prices"}:
        raise error("expected a mapping with one key, prices", None,
                    "prices: [{id: price_tshirt, unit_amount: 2000, currency: usd, product: T-shirt}]")
    entries = data["prices"]
    if not isinstance(entries, list) or not entries or len(entries) > MAX_PRICES:
        raise error(f"expected a list of 1 to {MAX_PRICES} prices", "prices",
                    "- {id: price_tshirt, unit_amount: 2000, currency: usd, product: T-shirt}")
    seen: set[str] = set()
    products: dict[str, str] = {}
    out = []
    for i, entry in enumerate(entries):
        where = f"prices[{i}]"
        if not isinstance(entry, dict):
            raise error(f"expected a mapping, got {brief(entry)}", where, ", ".join(_PRICE_KEYS))
        unknown = sorted(str(k) for k in entry if k not in _PRICE_KEYS)
        if unknown:
            raise error(f"unknown key {brief(unknown[0])}", f"{where}.{unknown[0]}", ", ".join(_PRICE_KEYS))
        ident = entry.get("id")
        if not isinstance(ident, str) or not _PRICE_ID.match(ident):
            raise error(f"{brief(ident)} is not a Price id", f"{where}.id", "price_ followed by letters, digits, _")
        if ident in seen:
            raise error(f"{ident} is listed twice", f"{where}.id", "each Price id once")
        seen.add(ident)
        amount = entry.get("unit_amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_UNIT_AMOUNT:
            raise error(f"{brief(amount)} is not an amount", f"{where}.unit_amount",
                        f"a whole number of the currency's smallest unit, 0 to {MAX_UNIT_AMOUNT}")
        currency = entry.get("currency")
        if not isinstance(currency, str) or not _CURRENCY.match(currency):
            raise error(f"{brief(currency)} is not a currency", f"{where}.currency",
                        "a three-letter ISO code in lower case: usd, eur, cny, jpy")
        product_id, product_name = _product(entry.get("product"), ident, where, error)
        if products.setdefault(product_id, product_name) != product_name:
            raise error(f"{product_id} is named both {brief(products[product_id])} and {brief(product_name)}",
                        f"{where}.product.name", "one name per Product id")
        extras = {}
        for key in ("lookup_key", "nickname"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 200):
                raise error(f"{brief(value)} is not text of 1 to 200 characters", f"{where}.{key}", "text")
            extras[key] = value
        out.append(SeedPrice(ident, amount, currency, product_id, product_name, **extras))
    return tuple(out)


def _product(raw, price_id: str, where: str, error) -> tuple[str, str]:
    default_id = "prod_" + price_id.removeprefix("price_")
    if isinstance(raw, str) and 0 < len(raw) <= 250:
        return default_id, raw
    if isinstance(raw, dict) and set(raw) <= {"id", "name"} and isinstance(raw.get("name"), str) \
            and 0 < len(raw["name"]) <= 250:
        ident = raw.get("id", default_id)
        if not isinstance(ident, str) or not _PRODUCT_ID.match(ident):
            raise error(f"{brief(ident)} is not a Product id", f"{where}.product.id",
                        "prod_ followed by letters, digits, _")
        return ident, raw["name"]
    raise error(f"expected the product's name or {{id, name}}, got {brief(raw)}", f"{where}.product",
                "T-shirt, or {id: prod_tshirt, name: T-shirt}")
