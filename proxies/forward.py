"""Forward mode for apps that cannot change their gateway URL: the environment to give them.

The app keeps talking to https://api.stripe.com; HTTPS_PROXY sends it to paychaos, which answers
that host from the local gateway (through the faults) and never forwards to the internet. The app
must trust paychaos's CA (a fresh one per run, in the proxy's confdir):

- Python `requests`/`httpx`: REQUESTS_CA_BUNDLE / SSL_CERT_FILE
- Python stripe SDK: it ignores those; SITECUSTOMIZE_DIR goes in front of PYTHONPATH (the app's own
  entries stay) and PAYCHAOS_CA_BUNDLE is set
- Node: NODE_EXTRA_CA_CERTS
- curl: CURL_CA_BUNDLE (or --cacert)
- Java: import the CA into a truststore (see docs/proxy.md), `-Djavax.net.ssl.trustStore=...` plus
  `-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=PORT`
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

SITECUSTOMIZE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "forward_env")


def forward_env(proxy_url: str, ca_cert: str, *, pythonpath: str | None = None) -> dict[str, str]:
    """Environment variables that route an unmodified app through paychaos's forward listener.

    PYTHONPATH is SITECUSTOMIZE_DIR followed by `pythonpath` (default: this process's PYTHONPATH), so
    the app keeps its own entries; "" (or an unset PYTHONPATH) gives SITECUSTOMIZE_DIR alone."""
    if pythonpath is None:
        pythonpath = os.environ.get("PYTHONPATH", "")
    path = _prepend(SITECUSTOMIZE_DIR, pythonpath)
    return {
        "HTTPS_PROXY": proxy_url, "https_proxy": proxy_url,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "REQUESTS_CA_BUNDLE": ca_cert, "SSL_CERT_FILE": ca_cert, "CURL_CA_BUNDLE": ca_cert,
        "NODE_EXTRA_CA_CERTS": ca_cert, "PAYCHAOS_CA_BUNDLE": ca_cert, "PYTHONPATH": path,
    }


def _prepend(entry: str, path: str) -> str:
    """`entry` first, then the entries of `path` as they were (without another copy of `entry`)."""
    if not path:
        return entry
    return os.pathsep.join([entry, *(e for e in path.split(os.pathsep) if e != entry)])


def java_flags(proxy_url: str, truststore: str = "paychaos-truststore.jks") -> str:
    parts = urlsplit(proxy_url)
    return (f"-Dhttps.proxyHost={parts.hostname} -Dhttps.proxyPort={parts.port} "
            f"-Djavax.net.ssl.trustStore={truststore} -Djavax.net.ssl.trustStorePassword=changeit")
