"""Forward mode for apps that cannot change their gateway URL: the environment to give them.

The app keeps talking to https://api.stripe.com; HTTPS_PROXY sends it to paychaos, which answers
that host from the local gateway (through the faults) and never forwards to the internet. The app
must trust paychaos's CA (a fresh one per run, in the proxy's confdir). `forward_env` gives every
variable the common stacks read; `app_env` adds them to a target's own `start.env`
(`start.forward: true`); the shims ship inside this package (folder forward_env/):

- Python requests / httpx / urllib / urllib3 / aiohttp: REQUESTS_CA_BUNDLE, SSL_CERT_FILE
- Python stripe SDK (its own CA file) and aiohttp (HTTPS_PROXY only with trust_env=True): the shim
  folder in front of PYTHONPATH (the app's own entries stay) and PAYCHAOS_CA_BUNDLE; its
  sitecustomize.py fixes both as they are imported
- Node: NODE_EXTRA_CA_CERTS, and NODE_OPTIONS=--require <shim>/paychaos-forward.js, which sends
  https.request (stripe-node and the like) through HTTPS_PROXY: Node 20 ignores HTTPS_PROXY
- Go: HTTPS_PROXY and SSL_CERT_FILE; curl: HTTPS_PROXY and CURL_CA_BUNDLE
- Java: a PKCS12 trust store holding the CA, and JAVA_TOOL_OPTIONS with it and https.proxyHost/Port
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from importlib import resources
from urllib.parse import urlsplit

SHIM_FOLDER = "forward_env"
NODE_SHIM = "paychaos-forward.js"
TRUSTSTORE_NAME = "paychaos-truststore.p12"
TRUSTSTORE_PASSWORD = "changeit"   # guards nothing secret: the store holds the CA's certificate only
NO_PROXY = "127.0.0.1,localhost"
# Variables an app may already use for its own ends: paychaos puts its part in front and keeps theirs.
COMBINED = ("PYTHONPATH", "NODE_OPTIONS", "JAVA_TOOL_OPTIONS")


# The folder of the shims, inside the installed package (a wheel install included): a plain folder in
# every install paychaos supports (not a zip).
SITECUSTOMIZE_DIR = os.fspath(resources.files("paychaos.proxies").joinpath(SHIM_FOLDER))


def shim_dir() -> str:
    """SITECUSTOMIZE_DIR, once it is known to hold both shims."""
    for shim in ("sitecustomize.py", NODE_SHIM):
        if not os.path.isfile(os.path.join(SITECUSTOMIZE_DIR, shim)):
            raise RuntimeError(f"paychaos is installed without its forward-mode shim {shim} "
                               f"(in {SITECUSTOMIZE_DIR}): reinstall paychaos")
    return SITECUSTOMIZE_DIR


def forward_env(proxy_url: str, ca_cert: str, *, pythonpath: str | None = None, node_options: str | None = None,
                java_tool_options: str | None = None, truststore: str | None = None) -> dict[str, str]:
    """Environment variables that route an unmodified app through paychaos's forward listener.

    PYTHONPATH is the shim folder followed by `pythonpath`, NODE_OPTIONS the Node shim followed by
    `node_options` (each default: this process's own value), so the app keeps its own entries.
    JAVA_TOOL_OPTIONS only with a `truststore` (see `java_truststore`), followed by `java_tool_options`."""
    if pythonpath is None:
        pythonpath = os.environ.get("PYTHONPATH", "")
    if node_options is None:
        node_options = os.environ.get("NODE_OPTIONS", "")
    env = {
        "HTTPS_PROXY": proxy_url, "https_proxy": proxy_url,
        "NO_PROXY": NO_PROXY, "no_proxy": NO_PROXY,
        "REQUESTS_CA_BUNDLE": ca_cert, "SSL_CERT_FILE": ca_cert, "CURL_CA_BUNDLE": ca_cert,
        "NODE_EXTRA_CA_CERTS": ca_cert, "PAYCHAOS_CA_BUNDLE": ca_cert,
        "PYTHONPATH": _prepend(shim_dir(), pythonpath),
        "NODE_OPTIONS": _join_options(node_require(), node_options),
    }
    if truststore:
        if java_tool_options is None:
            java_tool_options = os.environ.get("JAVA_TOOL_OPTIONS", "")
        env["JAVA_TOOL_OPTIONS"] = _join_options(java_flags(proxy_url, truststore), java_tool_options)
    return env


def app_env(proxy_url: str, ca_cert: str, env: Mapping[str, str], *,
            inherited: Mapping[str, str] | None = None) -> dict[str, str]:
    """`start.forward: true`: the target's own `start.env` (filled) with forward mode added.

    The app's own PYTHONPATH, NODE_OPTIONS and JAVA_TOOL_OPTIONS (from `env`, else `inherited`, which
    defaults to this process's environment) come after paychaos's part; any other variable the target
    sets itself wins over paychaos's."""
    inherited = os.environ if inherited is None else inherited

    def own(name: str) -> str:
        return env.get(name, inherited.get(name, ""))

    forward = forward_env(proxy_url, ca_cert, pythonpath=own("PYTHONPATH"), node_options=own("NODE_OPTIONS"),
                          java_tool_options=own("JAVA_TOOL_OPTIONS"), truststore=java_truststore(ca_cert))
    return {**forward, **{k: v for k, v in env.items() if k not in COMBINED}}


def node_require() -> str:
    """`--require <the Node shim>`, quoted for NODE_OPTIONS when the path has spaces."""
    path = os.path.join(SITECUSTOMIZE_DIR, NODE_SHIM)
    return f'--require "{path}"' if any(c.isspace() for c in path) else f"--require {path}"


def java_flags(proxy_url: str, truststore: str = "paychaos-truststore.p12") -> str:
    parts = urlsplit(proxy_url)
    return (f"-Dhttps.proxyHost={parts.hostname} -Dhttps.proxyPort={parts.port} "
            f"-Djavax.net.ssl.trustStore={truststore} -Djavax.net.ssl.trustStoreType=PKCS12 "
            f"-Djavax.net.ssl.trustStorePassword={TRUSTSTORE_PASSWORD}")


def java_truststore(ca_cert: str, dest: str | None = None) -> str | None:
    """A PKCS12 trust store holding only paychaos's CA, next to the CA (the run's own confdir) unless
    `dest` says where. Written with `cryptography` when it can write Java trust stores (45 and later),
    else with the JDK's keytool; None when neither is there (no Java on this machine)."""
    dest = dest or os.path.join(os.path.dirname(os.path.abspath(ca_cert)), TRUSTSTORE_NAME)
    if os.path.exists(dest) and os.path.getmtime(dest) >= os.path.getmtime(ca_cert):
        return dest
    tmp = f"{dest}.{os.getpid()}.tmp"
    try:
        if not _write_with_cryptography(ca_cert, tmp) and not _write_with_keytool(ca_cert, tmp):
            return None
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def _write_with_cryptography(ca_cert: str, dest: str) -> bool:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    write = getattr(pkcs12, "serialize_java_truststore", None)
    if write is None:
        return False
    with open(ca_cert, "rb") as fh:
        cert = x509.load_pem_x509_certificate(fh.read())
    data = write([pkcs12.PKCS12Certificate(cert, "paychaos")],
                 serialization.BestAvailableEncryption(TRUSTSTORE_PASSWORD.encode()))
    with open(dest, "wb") as fh:
        fh.write(data)
    return True


def _write_with_keytool(ca_cert: str, dest: str) -> bool:
    keytool = _keytool()
    if keytool is None:
        return False
    done = subprocess.run([keytool, "-importcert", "-noprompt", "-alias", "paychaos", "-file", ca_cert,
                           "-keystore", dest, "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "JAVA_TOOL_OPTIONS"})
    return done.returncode == 0 and os.path.exists(dest)


def _keytool() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "keytool"), os.X_OK):
        return os.path.join(home, "bin", "keytool")
    return shutil.which("keytool")


def _prepend(entry: str, path: str) -> str:
    """`entry` first, then the entries of `path` as they were (without another copy of `entry`)."""
    if not path:
        return entry
    return os.pathsep.join([entry, *(e for e in path.split(os.pathsep) if e != entry)])


def _join_options(ours: str, theirs: str) -> str:
    """Our options first (for options given twice, the later one wins: theirs), without a second copy."""
    theirs = (theirs or "").strip()
    if not theirs:
        return ours
    if ours in theirs:
        return theirs
    return f"{ours} {theirs}"
