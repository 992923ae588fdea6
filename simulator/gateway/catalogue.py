"""Seeding the store with a catalogue's Products and Prices (paychaos.common.catalogue), at start and after
every reset: the shop's configured Price ids exist in every scenario. Seeding emits no events and makes no
API calls (the journal and the gateway's own API count stay the merchant's)."""

from __future__ import annotations

from paychaos.common.catalogue import SeedPrice
from paychaos.gateway.resources import prices, products


def seed(gw, catalogue: tuple[SeedPrice, ...]) -> None:
    for item in catalogue:
        if gw.store.products.get(item.product_id) is None:
            products.new(gw, {"name": item.product_name}, item.product_id)
        params = {"product": item.product_id, "unit_amount": item.unit_amount, "currency": item.currency}
        for key in ("lookup_key", "nickname"):
            if getattr(item, key) is not None:
                params[key] = getattr(item, key)
        prices.new(gw, params, ident=item.id)
