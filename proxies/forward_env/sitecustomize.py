"""paychaos's forward-mode shim: on PYTHONPATH, it makes an unmodified Python app trust paychaos's CA.

Python runs `sitecustomize` at start-up. When PAYCHAOS_CA_BUNDLE is set (paychaos sets it with
`start.forward: true`), this arranges, as each library is first imported (nothing is imported early):

- stripe: it verifies TLS against its own bundled CA file (`stripe.ca_bundle_path`) and ignores
  REQUESTS_CA_BUNDLE / SSL_CERT_FILE, so `stripe.ca_bundle_path` is pointed at PAYCHAOS_CA_BUNDLE;
- aiohttp: a ClientSession reads HTTPS_PROXY only with `trust_env=True`, so that becomes the default
  (an app that passes `trust_env` keeps its own choice; stripe's AIOHTTPClient passes none).

requests, httpx, urllib and curl need nothing here: they read HTTPS_PROXY and the CA variables.
A `sitecustomize` this one hides (later on sys.path, e.g. the distribution's own) still runs.
Without PAYCHAOS_CA_BUNDLE nothing is changed.
"""

import importlib.abc
import importlib.util
import os
import sys


def _patch_stripe(stripe):
    stripe.ca_bundle_path = os.environ["PAYCHAOS_CA_BUNDLE"]


def _patch_aiohttp(aiohttp):
    session = aiohttp.ClientSession
    original = session.__init__
    if getattr(original, "_paychaos", False):
        return

    def __init__(self, *args, trust_env=True, **kwargs):
        original(self, *args, trust_env=trust_env, **kwargs)

    __init__._paychaos = True
    __init__.__doc__ = original.__doc__
    session.__init__ = __init__


_PATCHES = {"stripe": _patch_stripe, "aiohttp": _patch_aiohttp}


class _AfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds nothing itself; for the modules in _PATCHES it wraps the real loader and patches the
    module once it has run."""

    def __init__(self):
        self._busy = set()

    def find_spec(self, name, path=None, target=None):
        if name not in _PATCHES or name in self._busy:
            return None
        self._busy.add(name)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._busy.discard(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader_state = (spec.loader, spec.loader_state)
        spec.loader = self
        return spec

    def create_module(self, spec):
        return spec.loader_state[0].create_module(spec)

    def exec_module(self, module):
        spec = module.__spec__
        real, state = spec.loader_state
        spec.loader, spec.loader_state = real, state
        module.__loader__ = real
        real.exec_module(module)
        _PATCHES[spec.name](module)


def _install():
    for name, patch in _PATCHES.items():
        if name in sys.modules:          # imported already (a .pth file, say)
            patch(sys.modules[name])
    sys.meta_path.insert(0, _AfterImport())


def _run_hidden_sitecustomize():
    """Python imports only the first `sitecustomize` on sys.path: run the one this file hides."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        folder = os.path.abspath(entry or os.getcwd())
        if folder == here:
            continue
        candidate = os.path.join(folder, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_paychaos_hidden_sitecustomize", candidate)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return


if os.environ.get("PAYCHAOS_CA_BUNDLE"):
    _install()
_run_hidden_sitecustomize()
