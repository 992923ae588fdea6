"""tests/shops/shop_main.py: every shop's `python -m tests.shops.NAME` refuses a bad setting with one line and
exit 2, and lets any other failure show itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.shops.shop_main import serve
from tests.shops.shop_runs import ROOT


class Planted(ValueError):
    pass


def failing(exc: Exception):
    def create_app():
        raise exc
    return create_app


def test_a_refused_kind_is_one_line_naming_the_shop_and_exit_2(capsys):
    refused = {Planted: "cannot start: ", (KeyError, OSError): "missing: "}
    assert serve("oak", failing(Planted("OAK_DEFECTS: unknown defect(s) x")), ["--port", "0"], refused=refused) == 2
    assert capsys.readouterr().err == "oak: cannot start: OAK_DEFECTS: unknown defect(s) x\n"
    assert serve("oak", failing(KeyError("OAK_KEY")), ["--port", "0"], refused=refused) == 2
    assert capsys.readouterr().err == "oak: missing: 'OAK_KEY'\n"


def test_any_other_failure_is_not_hidden():
    with pytest.raises(RuntimeError, match="a bug"):
        serve("oak", failing(RuntimeError("a bug")), ["--port", "0"], refused={Planted: ""})


@pytest.mark.parametrize("shop, said", [
    ("plum", "plum: cannot start: PLUM_DEFECTS: unknown defect(s) bogus; valid: "),
    ("bamboo", "bamboo: cannot start: BAMBOO_DEFECTS: unknown defect(s) bogus; valid: "),
    ("jade", "jade: cannot start: JADE_DEFECTS: unknown defect(s) bogus; valid: "),
    ("lotus", "lotus: cannot start: LOTUS_DEFECTS: unknown defect(s) bogus; valid: "),
    ("orchid", "orchid: cannot start: ORCHID_DEFECTS: unknown defect(s) bogus; valid: "),
    ("lantern", "lantern: LANTERN_DEFECTS: unknown defect(s) bogus; valid: "),
    ("willow", "willow: unknown defect(s) bogus in WILLOW_DEFECTS (valid: "),
])
def test_each_shop_refuses_an_unknown_defect_without_a_traceback(shop, said):
    extra = ["--sdk", "official"] if shop == "plum" else []
    proc = subprocess.run([sys.executable, "-m", f"tests.shops.{shop}", "--port", "0", *extra], cwd=ROOT, timeout=60,
                          env={**os.environ, f"{shop.upper()}_DEFECTS": "bogus"}, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith(said) and proc.stderr.count("\n") == 1, proc.stderr
