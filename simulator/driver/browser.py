"""The customer's browser, for the flows where it takes part (docs/flows/): it opens pages and posts
forms, follows redirects by hand (each hop is a decision of the flow), never leaves loopback, and
reaches the gateway's pages through the proxy, so faults apply to the browser's leg and the journal
sees it.

The gateway names its own address in the URLs it hands out (the hosted page, the 3-D Secure
challenge); `routes` maps each gateway's origin to the proxy listener in front of it, as the runner
knows them. A URL whose origin no route names is opened as it is (the merchant's success_url).

Forward mode (`forward`: the proxy's forward listener, `ca_cert`: the run's CA): the gateway names
Stripe's own hosts, as Stripe does (a Checkout Session's page is https://checkout.stripe.com/c/pay/cs_...).
The browser opens those through the forward listener, trusting only the run's CA; the proxy answers
them from the local gateway. Any other host off this machine is refused, as without forward mode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests

from paychaos.common.netsafety import is_loopback_host
from paychaos.common.stripe_hosts import FORWARD_HOSTS

CONNECT_TIMEOUT_S = 5.0


class LeftLoopback(RuntimeError):
    """A page sent the browser somewhere off this machine; paychaos never goes there."""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class Page:
    """One answer the browser got: status, where it sends the browser next, the text and JSON (or None)."""

    status: int | None
    location: str | None = None
    text: str = ""
    json: object = None
    headers: dict = field(default_factory=dict)
    error: str | None = None       # timeout | connection | ... when no answer came


@dataclass
class Browser:
    routes: dict[str, str] = field(default_factory=dict)   # gateway origin -> proxy listener origin
    timeout_s: float = 30.0
    forward: str | None = None     # the proxy's forward listener (forward mode), for Stripe's own hosts
    ca_cert: str | None = None     # the run's CA, the only one trusted on those hosts
    elapsed_s: float = 0.0         # time spent waiting for answers (what the customer waited)

    def __post_init__(self) -> None:
        self.routes = {origin(k): v.rstrip("/") for k, v in self.routes.items() if k and v}
        self.http = requests.Session()
        self.http.trust_env = False   # never through a proxy of the environment: loopback only

    def forwarded(self, url: str) -> bool:
        """Whether the URL names a Stripe host the forward listener answers (forward mode only)."""
        parts = urlsplit(url)
        return bool(self.forward and self.ca_cert) and parts.scheme == "https" and parts.hostname in FORWARD_HOSTS

    def address(self, url: str) -> str:
        """The URL the browser really opens: through the proxy for a gateway's page; loopback only (a
        Stripe host in forward mode is opened as it is, through the forward listener: see `_send`)."""
        if self.forwarded(url):
            return url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not is_loopback_host(parts.hostname):
            raise LeftLoopback(f"the page sent the browser off this machine ({parts.scheme}://{parts.hostname})")
        routed = self.routes.get(origin(url))
        if routed is None:
            return url
        via = urlsplit(routed)
        return urlunsplit((via.scheme, via.netloc, parts.path, parts.query, ""))

    def get(self, url: str) -> Page:
        return self._send("GET", url, None)

    def post(self, url: str, fields: dict) -> Page:
        return self._send("POST", url, fields)

    def _send(self, method: str, url: str, fields: dict | None) -> Page:
        t0 = time.perf_counter()
        via = {"proxies": {"https": self.forward}, "verify": self.ca_cert} if self.forwarded(url) else {}
        try:
            resp = self.http.request(method, self.address(url), data=fields, allow_redirects=False,
                                     timeout=(CONNECT_TIMEOUT_S, self.timeout_s), **via)
        except requests.Timeout:
            return Page(None, error="timeout")
        except requests.ConnectionError:
            return Page(None, error="connection")
        except requests.RequestException as exc:
            return Page(None, error=type(exc).__name__)
        finally:
            self.elapsed_s += time.perf_counter() - t0
        try:
            body = resp.json()
        except ValueError:
            body = None
        location = resp.headers.get("Location")
        if location and resp.is_redirect:
            location = requests.compat.urljoin(url, location)
        else:
            location = None
        return Page(resp.status_code, location, resp.text, body, dict(resp.headers))

    def close(self) -> None:
        self.http.close()
