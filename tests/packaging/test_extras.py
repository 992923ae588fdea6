"""Optional extras: a command that needs one that is missing says which to install, exit 2, no traceback.
The module is hidden from a real `paychaos` process (an import hook), as in an install without the extra."""

from __future__ import annotations

import subprocess
import sys

from paychaos.common.extras import requirement

HIDE = """\
import sys, importlib.abc
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == {module!r} or name.startswith({module!r} + '.'):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
from paychaos.cli import main
sys.exit(main(sys.argv[1:]))
"""


def without(module: str, *argv: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HIDE.format(module=module), *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_load_without_locust_names_the_load_extra(tmp_path):
    out = without("locust", "load", "steady", cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "paychaos load: error: " in out.stderr and "Traceback" not in out.stderr
    assert "which is not installed: pip install 'paychaos[load]'" in out.stderr


def test_the_builtin_merchants_need_no_extra(tmp_path):
    """The reference merchants speak Stripe's HTTP API themselves: with the stripe SDK hidden, the
    default target's merchant still starts (its --help parses; a real run is in test_wheel.py)."""
    out = without("stripe", "merchant", "resilient", "--help", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_requirement_printed_is_the_one_the_package_metadata_declares():
    locust = requirement("load")
    assert locust.startswith("locust") and sorted(locust[6:].split(",")) == ["<3", ">=2.47"]
