"""One real `paychaos gateway` process per test session (per xdist worker), reset before each test, its
webhook endpoints (which a reset keeps) removed too: a test never sees an endpoint an earlier one left."""

from __future__ import annotations

import pytest
import stripe

from paychaos.gateway.testing import clear_webhooks, reset, running_gateway

API_KEY = "sk_test_paychaos"


@pytest.fixture(scope="session")
def gateway_service():
    with running_gateway(seed=7) as svc:
        yield svc


@pytest.fixture
def gateway(gateway_service):
    reset(gateway_service.url)
    clear_webhooks(gateway_service.url)
    return gateway_service


@pytest.fixture
def client(gateway) -> stripe.StripeClient:
    """The real stripe SDK (StripeClient style) pointed at the gateway."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": gateway.url}, max_network_retries=0)
