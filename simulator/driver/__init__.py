"""The driver: faker customers check out through the merchant, as the target file says, and every
customer-facing request becomes one `CheckoutResult`.

- `customers`      plan the scenario's customers from its seed, and the card each one pays with
- `core`           the Driver: requests to the merchant, cancel, order status, the flow dispatch
- `browser`        the customer's browser (loopback only, gateway pages through the proxy)
- `server`         flow `server`: the merchant confirms; its answer is the customer's outcome
- `client_secret`  flow `client_secret`: the browser confirms the PaymentIntent as stripe.js does
- `redirect`       flow `redirect`: the browser pays the hosted Checkout page and comes back
- `qr`             flow `qr`: the customer's phone scans the shop's WeChat Pay / Alipay QR code, pays
- `page`, `cdp`    flow `browser`: real headless Chromium on the merchant's own page (docs/browser.md)

docs/flows/ says what each flow does and why.
"""

from paychaos.driver.cdp import BrowserError
from paychaos.driver.core import FLOWS, Driver
from paychaos.driver.customers import (
    FALLBACK_LOCALE,
    Customer,
    Payment,
    allocate,
    new_run_tag,
    payment_for,
    plan_customers,
    served_locales,
)

__all__ = ["FALLBACK_LOCALE", "FLOWS", "BrowserError", "Customer", "Driver", "Payment", "allocate", "new_run_tag", "payment_for",
           "plan_customers", "served_locales"]
