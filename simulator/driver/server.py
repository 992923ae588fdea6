"""Flow `server` (the default): the merchant confirmed the payment itself, so its answer to the
checkout is what the customer sees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paychaos.observations import CheckoutResult
from paychaos.target import Answer

if TYPE_CHECKING:
    from paychaos.driver.browser import Browser
    from paychaos.driver.core import Driver
    from paychaos.driver.customers import Customer, Payment


def finish(driver: Driver, customer: Customer, payment: Payment, result: CheckoutResult, answer: Answer,
           browser: Browser) -> None:
    driver.read_answer(result, customer, answer)
