"""Where the built-in scenarios, Locust profiles and target files live: package data of
`paychaos.scenarios` (the repository's scenarios/ folder) and `paychaos.merchants` (targets/), found
through importlib.resources wherever paychaos is installed (a checkout's editable install, a venv,
`pip install --user`).

A built-in is named as `paychaos list` prints it (`healthy-baseline`, `resilient`) wherever a file
is accepted; a file or directory of that name, when one exists, wins.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from paychaos.common.errors import InputError, did_you_mean

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def builtin_scenarios_dir() -> Path:
    return Path(str(resources.files("paychaos.scenarios")))


def builtin_load_profiles_dir() -> Path:
    return builtin_scenarios_dir() / "load"


def builtin_targets_dir() -> Path:
    return Path(str(resources.files("paychaos.merchants"))) / "targets"


def builtin_scenario_names() -> list[str]:
    return sorted(f.stem for f in builtin_scenarios_dir().glob("*.yaml"))


def builtin_scenario_paths() -> dict[str, Path]:
    """Every built-in scenario by name: the default suite's, and each dialect set's (scenarios/alipay,
    scenarios/wechatpay: their names carry the dialect, `alipay-trade-closed`, also `alipay/alipay-trade-closed`)."""
    root = builtin_scenarios_dir()
    in_sets = sorted(root.glob("*/*.yaml"))
    paths = {f"{f.parent.name}/{f.stem}": f for f in in_sets}
    paths.update({f.stem: f for f in in_sets})
    paths.update({f.stem: f for f in root.glob("*.yaml")})   # the default suite's win a shared name
    return paths


def builtin_target_names() -> list[str]:
    return sorted(f.stem for f in builtin_targets_dir().glob("*.yaml"))


def is_builtin_name(text: str) -> bool:
    """Text that could name a built-in (no slash, no dot, lower case): worth a 'did you mean'."""
    return bool(_NAME.match(text))


def scenario_file(text: str, *, directories: bool = False) -> str:
    """A scenario file as given, or the built-in scenario of that name; else InputError with the
    nearest built-in name. `directories`: the caller also takes a directory of scenario files (it
    passes through unchanged), and the error says so."""
    valid = ("a scenario .yaml file, a directory of them, or a built-in scenario name (`paychaos list scenarios`)"
             if directories else "a scenario .yaml file or a built-in scenario name (`paychaos list scenarios`)")
    return _file_or_builtin(text, builtin_scenario_paths(), noun="scenario", valid=valid,
                            missing="no such file or directory" if directories else "no such file")


def target_file(text: str) -> str:
    """A target file as given, or the built-in target of that name (`resilient`, `naive`)."""
    return _file_or_builtin(text, {name: builtin_targets_dir() / f"{name}.yaml" for name in builtin_target_names()},
                            noun="target",
                            valid="a target .yaml file (`paychaos init` writes one) or a built-in target: "
                                  + ", ".join(builtin_target_names()), missing="no such file")


def _file_or_builtin(text: str, builtins: dict[str, Path], *, noun: str, valid: str, missing: str) -> str:
    if Path(text).exists():
        return text
    if text in builtins:
        return str(builtins[text])
    hint = did_you_mean(text, sorted(builtins)) if is_builtin_name(text) else ""
    raise InputError(f"{missing}, nor a built-in {noun}{hint}", file=text, valid=valid)
