"""Optional extras: a command that needs one that is missing says which to install, exit 2, no traceback.
The module is hidden from a real `paychaos` process (an import hook), as in an install without the extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

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


@pytest.mark.parametrize("argv", [["run", "healthy-baseline"], ["run", "--target", "resilient"],
                                  ["merchant", "resilient"]])
def test_the_builtin_resilient_merchant_without_stripe_names_the_merchants_extra(tmp_path, argv):
    out = without("stripe", *argv, cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"paychaos {argv[0]}: error: " in out.stderr and "Traceback" not in out.stderr
    assert "needs stripe, which is not installed: pip install 'paychaos[merchants]'" in out.stderr
    assert not (tmp_path / "paychaos-report").exists()


def test_the_requirement_printed_is_the_one_the_package_metadata_declares():
    stripe, locust = requirement("merchants"), requirement("load")
    assert stripe.startswith("stripe") and sorted(stripe[6:].split(",")) == ["<17", ">=16"]
    assert locust.startswith("locust") and sorted(locust[6:].split(",")) == ["<3", ">=2.30"]
