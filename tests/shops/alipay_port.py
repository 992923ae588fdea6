"""The one change the official `alipay-sdk-python` (3.7.x) needs to reach a gateway on a port other than
80/443: its `WebUtils.get_http_connection` connects to port 80 whatever `server_url` says, and a URL
with a port raises `TypeError: can only concatenate str (not "int") to str` (it adds the int port to
the URL string). This replacement keeps the SDK's behaviour (HTTP(S)Connection, absolute URL with the
query string) and honours the port; signing, verification and parsing stay the SDK's own.
tests/gateway_alipay/test_sdks.py shows the unpatched SDK failing against the fake.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit


def get_http_connection(url, query_string, timeout):
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 80), timeout=timeout)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{query_string}", conn


def install() -> None:
    from alipay.aop.api.util import WebUtils

    WebUtils.get_http_connection = get_http_connection
