"""Reading a YAML mapping field by field, with errors that name the file, the path to the field and
the valid forms. Shared by the scenario loader and the target-file loader.

    sec = Section(data, file="s.yaml", path="customers", allowed=("count", "locale"))
    count = sec.int("count", default=10, lo=1)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from paychaos.common.errors import InputError, brief, did_you_mean
from paychaos.common.strict_yaml import load_yaml_file


def join(path: str, key: str | int) -> str:
    """The path to a field as errors show it (`faults[2].params.delay_ms`); a long key is cut."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = brief(key, bare=True)
    return f"{path}.{key}" if path else key


def kind_of(value) -> str:
    if value is None:
        return "nothing"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def read_yaml(path: str | Path) -> object:
    """Parse one YAML file with the bounds of paychaos.common.strict_yaml (no aliases, no duplicate
    keys, finite 64-bit numbers, bounded size and depth); any problem is an InputError naming the file
    and line."""
    return load_yaml_file(path)


class Section:
    """One mapping of a user's file. Unknown keys and missing required keys fail at construction."""

    def __init__(self, data, *, file: str, path: str = "", allowed: Iterable[str],
                 required: Iterable[str] = ()):
        self.file = file
        self.path = path
        self.allowed = tuple(allowed)
        if not isinstance(data, dict):
            raise self.error(f"expected a mapping, got {kind_of(data)}", field=path or None,
                             valid="key: value lines")
        self.data = data
        for key in data:
            if not isinstance(key, str) or key not in self.allowed:
                raise self.error(f"unknown key {brief(str(key))}{did_you_mean(str(key), self.allowed)}",
                                 field=join(path, str(key)), valid=", ".join(self.allowed))
        for key in required:
            if key not in data:
                raise self.error("required key is missing", field=join(path, key))

    def error(self, message: str, *, field: str | None, valid: Iterable[str] | str | None = None) -> InputError:
        return InputError(message, file=self.file, field=field, valid=valid)

    def field(self, key: str) -> str:
        return join(self.path, key)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default=None):
        return self.data.get(key, default)

    def section(self, key: str, *, allowed: Iterable[str], required: Iterable[str] = (),
                optional: bool = True) -> Section | None:
        if key not in self.data:
            if optional:
                return None
            raise self.error("required key is missing", field=self.field(key))
        return Section(self.data[key], file=self.file, path=self.field(key), allowed=allowed,
                       required=required)

    def str(self, key: str, default: str | None = None, *, nonempty: bool = True) -> str | None:
        value = self.data.get(key, default)
        if value is None and key not in self.data:
            return None
        if not isinstance(value, str) or (nonempty and not value.strip()):
            raise self.error(f"expected a non-empty string, got {kind_of(value)}", field=self.field(key))
        if "\x00" in value:
            raise self.error("a NUL character in the text", field=self.field(key), valid="text without NUL")
        return value

    def choice(self, key: str, choices: Iterable[str], default: str | None = None) -> str | None:
        choices = list(choices)
        value = self.data.get(key, default)
        if value is None and key not in self.data:
            return None
        if not isinstance(value, str) or value not in choices:
            raise self.error(f"{brief(value)} is not one of the valid values{did_you_mean(str(value), choices)}",
                             field=self.field(key), valid=choices)
        return value

    def int(self, key: str, default: int | None = None, *, lo: int | None = None,
            hi: int | None = None) -> int | None:
        value = self.data.get(key, default)
        if value is None and key not in self.data:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected a whole number, got {kind_of(value)} {brief(value)}",
                             field=self.field(key), valid=_range(lo, hi, "whole number"))
        self._bounds(key, value, lo, hi, "whole number")
        return value

    def number(self, key: str, default: float | None = None, *, lo: float | None = None,
               hi: float | None = None, above: float | None = None) -> float | None:
        value = self.data.get(key, default)
        if value is None and key not in self.data:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {kind_of(value)} {brief(value)}",
                             field=self.field(key), valid=_range(lo, hi, "number"))
        if not math.isfinite(value):
            raise self.error(f"{value!r} is not a finite number", field=self.field(key),
                             valid=_range(lo, hi, "finite number"))
        if above is not None and not value > above:
            raise self.error(f"{value!r} is too small", field=self.field(key), valid=f"a number above {above:g}")
        self._bounds(key, value, lo, hi, "number")
        return float(value)

    def list(self, key: str, default: list | None = None) -> list | None:
        value = self.data.get(key, default)
        if value is None and key not in self.data:
            return None
        if not isinstance(value, list):
            raise self.error(f"expected a list, got {kind_of(value)}", field=self.field(key), valid="[a, b, ...]")
        return value

    def _bounds(self, key: str, value, lo, hi, noun: str) -> None:
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.error(f"{value!r} is out of range", field=self.field(key), valid=_range(lo, hi, noun))


def _range(lo, hi, noun: str) -> str:
    if lo is not None and hi is not None:
        return f"a {noun} from {_num(lo)} to {_num(hi)}"
    if lo is not None:
        return f"a {noun} of at least {_num(lo)}"
    if hi is not None:
        return f"a {noun} of at most {_num(hi)}"
    return f"a {noun}"


def _num(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"
