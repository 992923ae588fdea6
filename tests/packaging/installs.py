"""Fresh installs of a wheel built from this checkout, made offline: the wheel is built with
`--no-build-isolation` (setuptools comes with the dev extra) and installed with `pip --no-index`; its
dependencies are the ones this interpreter already has, linked into the new environment's
site-packages one distribution at a time, so pip sees them installed and downloads nothing. Only
what the wheel's metadata requires (and the extras a test names) is linked: what the metadata does
not declare, the installed paychaos cannot import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]

_COPY_IGNORE = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__",
                                      "paychaos-report", ".hypothesis", "node_modules", ".pytest_cache")


def build_wheel(out_dir: Path) -> Path:
    """A wheel of this checkout, built from a copy of it (the checkout gets no build/ or egg-info)."""
    src = out_dir / "src"
    shutil.copytree(REPO, src, ignore=_COPY_IGNORE, symlinks=True)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--disable-pip-version-check", "-q", "-w", str(out_dir / "wheels"), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = (out_dir / "wheels").glob("paychaos-*.whl")
    return wheel


def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def wheel_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(name).decode("utf-8")


def requires_of(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist lines (its METADATA: what pip will want installed)."""
    meta = next(n for n in wheel_names(wheel) if n.endswith(".dist-info/METADATA"))
    return [line.split(":", 1)[1].strip() for line in wheel_text(wheel, meta).splitlines()
            if line.startswith("Requires-Dist:")]


def closure(requirements: list[str], extras: tuple[str, ...] = ()) -> list[metadata.Distribution]:
    """The installed distributions these requirements need (with the extras named), recursively."""
    found: dict[str, metadata.Distribution] = {}
    todo = [(Requirement(r), extras) for r in requirements]
    while todo:
        req, wanted = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in wanted or ("",)):
            continue
        key = canonicalize_name(req.name)
        if key in found:
            continue
        dist = metadata.distribution(req.name)   # PackageNotFoundError: the dev venv lacks a dependency
        found[key] = dist
        todo += [(Requirement(r), tuple(req.extras)) for r in dist.requires or []]
    return list(found.values())


def link_dependencies(site_packages: Path, requirements: list[str], *, extras: tuple[str, ...] = ()) -> None:
    """Link into `site_packages` what the requirements need, as installed for this interpreter: each
    distribution's top-level entries (packages, modules, its dist-info) and nothing else, so an import
    of something undeclared fails there as it would in a user's venv. Entries already there stay."""
    site_packages.mkdir(parents=True, exist_ok=True)
    for dist in closure(requirements, extras):
        root = Path(str(dist.locate_file("")))
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in sorted(tops):
            dest = site_packages / top
            if top != "__pycache__" and not top.endswith(".pth") and (root / top).exists() and not dest.exists():
                dest.symlink_to(root / top)


@dataclass
class Install:
    python: Path            # the interpreter that sees this install
    bin: Path               # where the `paychaos` script landed
    env: dict               # the environment to run it in

    def run(self, *args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / "paychaos"), *args], cwd=cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def python_run(self, *args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.python), *args], cwd=cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


def _clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONUSERBASE", "PYTHONNOUSERSITE")
           and not k.startswith(("PYTEST_", "COV_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(sys.prefix))))
    env.update(extra)
    return env


def _venv(root: Path, *, system_site: bool) -> Path:
    base = getattr(sys, "_base_executable", None) or sys.executable
    # --without-pip: this interpreter's pip installs into it (`pip --python`), no ensurepip per venv
    argv = [base, "-m", "venv", "--without-pip", str(root)] + (["--system-site-packages"] if system_site else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=_clean_env())
    assert done.returncode == 0, done.stderr
    return root / "bin" / "python"


def _site_packages(python: Path, scheme: str = "venv", env: dict | None = None) -> Path:
    code = ("import sysconfig, site; print(sysconfig.get_paths()['purelib'] if "
            f"{scheme!r} == 'venv' else site.getusersitepackages())")
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60,
                          env=env or _clean_env())
    return Path(done.stdout.strip())


def _pip_install(python: Path, spec: str, wheel: Path, env: dict, *more: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
                           "--find-links", str(wheel.parent),
                           "--disable-pip-version-check", "-q", *more, spec], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, f"pip install {spec} failed offline:\n{done.stdout}\n{done.stderr}"


def venv_install(root: Path, wheel: Path, *, extras: tuple[str, ...] = (), also: tuple[str, ...] = ()) -> Install:
    """`pip install paychaos[EXTRAS]` from the wheel into a fresh venv; `also`: more requirements the
    user's project has (pytest), linked in the same way."""
    python = _venv(root, system_site=False)
    env = _clean_env()
    link_dependencies(_site_packages(python), requires_of(wheel) + list(also), extras=extras)
    spec = f"paychaos[{','.join(extras)}]" if extras else "paychaos"
    _pip_install(python, spec, wheel, env)
    return Install(python=python, bin=root / "bin", env=env)


def user_install(root: Path, wheel: Path, *, extras: tuple[str, ...] = ()) -> Install:
    """`pip install --user paychaos[EXTRAS]` from the wheel, PYTHONUSERBASE a temp dir: the interpreter is
    a venv that sees the system's site-packages (so, as on a system Python, the user site is on), with
    the dependencies linked into it; paychaos itself lands in the user site only."""
    python = _venv(root / "venv", system_site=True)
    env = _clean_env(PYTHONUSERBASE=str(root / "userbase"))
    link_dependencies(_site_packages(python), requires_of(wheel), extras=extras)
    spec = f"paychaos[{','.join(extras)}]" if extras else "paychaos"
    _pip_install(python, spec, wheel, env, "--user")
    return Install(python=python, bin=root / "userbase" / "bin", env=env)
