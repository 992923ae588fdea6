"""Flow `server` (the default): the merchant confirmed the payment itself, so its answer to the
checkout is what the customer sees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.observations import CheckoutResult
from simulator.target import Answer

if TYPE_CHECKING:
    from simulator.driver.browser import Browser
    from simulator.driver.core import Driver
    from simulator.driver.customers import Customer, Payment


def finish(driver: Driver, customer: Customer, payment: Payment, result: CheckoutResult, answer: Answer,
           browser: Browser) -> None:
    driver.read_answer(result, customer, answer)
