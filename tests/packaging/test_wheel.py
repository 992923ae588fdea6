"""The package a user installs: a wheel built from this checkout, installed offline into a fresh venv
(without extras, with `[load]`) and with `pip install --user` (PYTHONUSERBASE a temp dir). Each is used
from a folder that holds nothing of paychaos, as a shop's CI would (tests/packaging/installs.py)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.packaging.installs import (
    Install,
    build_wheel,
    user_install,
    venv_install,
    wheel_names,
    wheel_text,
)

pytestmark = pytest.mark.slow

# the checkout's own built-in suite: what an install must carry and list, wherever it runs from
BUILTIN_SCENARIOS = len(list((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml")))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def base(tmp_path_factory, wheel) -> Install:
    """`pip install paychaos`, no extras; pytest too, as a shop's test venv has it."""
    return venv_install(tmp_path_factory.mktemp("base"), wheel, also=("pytest",))


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    return folder


def listed_scenarios(install: Install, cwd: Path) -> list[str]:
    """The default suite's scenarios (the first section; the dialects' sets follow, each in its own)."""
    out = install.run("list", "scenarios", cwd=cwd)
    assert out.returncode == 0, out.stderr
    assert "Scenarios for the alipay dialect" in out.stdout and "Scenarios for the wechatpay dialect" in out.stdout
    default = out.stdout.split("\n\n", 1)[0]
    return [line.split()[0] for line in default.splitlines() if line.startswith("  ")]


def test_the_wheel_holds_one_import_package_the_licence_and_the_metadata(wheel):
    names = wheel_names(wheel)
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert {n.split("/")[0] for n in names} == {"paychaos", dist_info}
    assert wheel_text(wheel, f"{dist_info}/top_level.txt").split() == ["paychaos"]
    [licence] = [n for n in names if n.startswith(dist_info) and Path(n).name.startswith("LICENSE")]
    assert "MIT License" in wheel_text(wheel, licence)
    meta = wheel_text(wheel, f"{dist_info}/METADATA")
    assert "Requires-Python: >=3.11" in meta
    for version in ("3.11", "3.12", "3.13"):
        assert f"Classifier: Programming Language :: Python :: {version}" in meta
    assert re.search(r"^License(-Expression)?: MIT$", meta, re.M)
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    # the stripe SDK only for paychaos's own tests (the reference merchants speak HTTP): a shop on any
    # stripe major can install; Locust only with its extra
    [stripe] = [Requirement(r.split(":", 1)[1]) for r in requires if "stripe" in r]
    assert {str(s) for s in stripe.specifier} == {"<17", ">=16"}
    assert stripe.marker.evaluate({"extra": "test"}) and not stripe.marker.evaluate({"extra": ""})
    assert all("extra ==" in r for r in requires if "locust" in r)
    assert "Provides-Extra: merchants" not in meta
    # the built-in scenarios are package data of paychaos.scenarios, not data files
    assert sum(1 for n in names if re.fullmatch(r"paychaos/scenarios/[a-z0-9-]+\.yaml", n)) == BUILTIN_SCENARIOS
    for dialect in ("alipay", "wechatpay"):   # each dialect's set (`paychaos run --target T alipay`)
        folder = Path(__file__).resolve().parents[2] / "scenarios" / dialect
        assert {n for n in names if n.startswith(f"paychaos/scenarios/{dialect}/")} == {
            f"paychaos/scenarios/{dialect}/{f.name}" for f in folder.glob("*.yaml")}
    assert not any(".data/" in n for n in names)


def test_base_install_lists_the_builtin_scenarios_from_any_folder(base, elsewhere):
    assert len(listed_scenarios(base, elsewhere)) == BUILTIN_SCENARIOS
    out = base.python_run("-c", "import stripe", cwd=elsewhere)
    assert out.returncode == 1 and "No module named 'stripe'" in out.stderr   # truly without the extra
    top = base.python_run("-c", "import simulator", cwd=elsewhere)
    assert "No module named 'simulator'" in top.stderr


def passed_run(install: Install, cwd: Path) -> dict:
    """`paychaos run healthy-baseline` by name, default target (the built-in resilient merchant): it
    passed, and it judged real checkouts. Returns report.json."""
    out = install.run("run", "healthy-baseline", cwd=cwd)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASSED: 1 passed, 0 failed, 0 errored of 1" in out.stdout
    report = json.loads((cwd / "paychaos-report" / "report.json").read_text())
    [scenario] = report["scenarios"]
    assert scenario["name"] == "healthy-baseline" and scenario["passed"] and not scenario["inconclusive"]
    assert report["passed"] and report["target"] == "resilient"
    assert len(scenario["checkouts"]) > 0
    return report


def test_base_install_runs_a_builtin_scenario_by_name_against_the_builtin_merchant(base, elsewhere):
    """No extras: the default target, the resilient reference merchant, needs no stripe SDK."""
    passed_run(base, elsewhere)


def test_user_install_without_extras_runs_a_builtin_scenario_by_name(tmp_path_factory, wheel, elsewhere):
    """`pip install --user paychaos`: scenarios found from the user site, and the default merchant runs."""
    install = user_install(tmp_path_factory.mktemp("user"), wheel)
    where = install.python_run("-c", "import paychaos, site; print(paychaos.__file__); print(site.USER_SITE)",
                               cwd=elsewhere)
    module_file, user_site = where.stdout.split()
    assert module_file.startswith(user_site), where.stdout            # paychaos came from the user site
    assert len(listed_scenarios(install, elsewhere)) == BUILTIN_SCENARIOS
    passed_run(install, elsewhere)


SHOP_CONFTEST = """\
def pytest_addoption(parser):
    parser.addoption("--host", default="http://127.0.0.1:8000", help="the shop's own base URL")
"""
SHOP_TEST = """\
def test_host(request):
    assert request.config.getoption("--host") == "http://127.0.0.1:9999"
"""


def shop_project(folder: Path, ini: str = "") -> Path:
    (folder / "conftest.py").write_text(SHOP_CONFTEST)
    (folder / "test_shop.py").write_text(SHOP_TEST)
    (folder / "pytest.ini").write_text("[pytest]\n" + textwrap.dedent(ini))
    return folder


def test_a_project_whose_conftest_adds_host_runs_pytest_with_paychaos_installed(base, elsewhere):
    shop = shop_project(elsewhere)
    out = base.python_run("-m", "pytest", "-q", "-p", "no:cacheprovider", "--host", "http://127.0.0.1:9999",
                          cwd=shop)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout
    helptext = base.python_run("-m", "pytest", "--help", cwd=shop).stdout
    assert "--paychaos-target" in helptext                             # and paychaos's plugin is loaded


def test_with_the_load_extra_such_a_project_runs_once_locusts_plugin_is_turned_off(tmp_path_factory, wheel,
                                                                                    elsewhere):
    """Locust registers a pytest plugin (entry point `locust` in group pytest11) that adds --host too;
    a conftest's --host then clashes. `-p no:locust` in the project's addopts turns it off."""
    install = venv_install(tmp_path_factory.mktemp("load"), wheel, extras=("load",), also=("pytest",))
    shop = shop_project(elsewhere)
    clash = install.python_run("-m", "pytest", "-q", "-p", "no:cacheprovider", "--host", "http://127.0.0.1:9999",
                               cwd=shop)
    assert clash.returncode != 0 and "--host" in clash.stdout + clash.stderr, (
        "Locust's plugin no longer clashes with a conftest's --host: drop the advice in docs/reports.md")
    shop_project(elsewhere, ini="addopts = -p no:locust\n")
    out = install.python_run("-m", "pytest", "-q", "-p", "no:cacheprovider", "--host", "http://127.0.0.1:9999",
                             cwd=shop)
    assert out.returncode == 0, out.stdout + out.stderr
