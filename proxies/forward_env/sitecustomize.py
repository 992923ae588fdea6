"""Put this directory on PYTHONPATH to make an unmodified Python app trust paychaos's CA.

The stripe SDK verifies TLS against its own bundled CA file (`stripe.ca_bundle_path`) and ignores
REQUESTS_CA_BUNDLE / SSL_CERT_FILE, so environment variables alone cannot make it accept the proxy's
certificate. Python runs `sitecustomize` at start-up: when PAYCHAOS_CA_BUNDLE is set, this points
stripe's CA bundle at it. Nothing happens without the variable or without stripe installed.
"""

import importlib.util
import os

_bundle = os.environ.get("PAYCHAOS_CA_BUNDLE")
if _bundle and importlib.util.find_spec("stripe") is not None:
    import stripe

    stripe.ca_bundle_path = _bundle
