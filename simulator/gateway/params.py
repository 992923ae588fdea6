"""Declared parameters per endpoint, checked the way Stripe checks them.

A spec maps each accepted parameter to a type; `check(spec, params)` returns converted values or
raises ParamError naming the parameter (`Received unknown parameter: foo`, `Invalid integer: x`).
"""

from __future__ import annotations

import re

from paychaos.gateway.errors import ParamError

MAX_INT_DIGITS = 18  # any integer Stripe takes fits; a longer one is refused before int() runs


def ascii_int(text: str) -> int | None:
    """The integer `text` spells with ASCII digits and an optional leading '-', else None.

    `str.isdigit` also accepts '²' and other scripts' digits, on which `int()` fails or which Stripe
    refuses: only 0-9 count here, at most MAX_INT_DIGITS of them."""
    digits = text[1:] if text[:1] == "-" else text
    if not digits or len(digits) > MAX_INT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return int(text)


def short(text: str, limit: int = 80) -> str:
    """`text` cut for an error message: input is echoed, never whole when it is long."""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


class Param:
    required = False

    def convert(self, value, name: str):
        raise NotImplementedError

    def req(self) -> Param:
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        clone.required = True
        return clone


def _scalar(value, name: str) -> str:
    if not isinstance(value, str):
        raise ParamError(f"Invalid {name}: expected a single value, not a hash or array", name)
    return value


class Int(Param):
    def __init__(self, lo: int | None = None, hi: int | None = None):
        self.lo, self.hi = lo, hi

    def convert(self, value, name):
        text = _scalar(value, name)
        number = ascii_int(text)
        if number is None:
            raise ParamError(f"Invalid integer: {short(text)}", name, "parameter_invalid_integer")
        if self.lo is not None and number < self.lo:
            raise ParamError(f"Invalid {name}: must be at least {self.lo}", name, "parameter_invalid_integer")
        if self.hi is not None and number > self.hi:
            raise ParamError(f"Invalid {name}: must be at most {self.hi}", name, "parameter_invalid_integer")
        return number


class Str(Param):
    def __init__(self, max_len: int = 5000, pattern: str | None = None, what: str = ""):
        self.max_len = max_len
        self.pattern = re.compile(pattern) if pattern else None
        self.what = what

    def convert(self, value, name):
        text = _scalar(value, name)
        if len(text) > self.max_len:
            raise ParamError(f"Invalid {name}: must be at most {self.max_len} characters", name)
        if self.pattern and not self.pattern.fullmatch(text):
            raise ParamError(f"Invalid {name}: {short(text)!r} is not {self.what}", name)
        return text


class Currency(Str):
    def __init__(self):
        super().__init__(3, r"[A-Za-z]{3}", "a three-letter ISO currency code")

    def convert(self, value, name):
        return super().convert(value, name).lower()


class Bool(Param):
    def convert(self, value, name):
        text = _scalar(value, name)
        if text in ("true", "True", "1"):
            return True
        if text in ("false", "False", "0", ""):
            return False
        raise ParamError(f"Invalid boolean: {short(text)}", name, "parameter_invalid_boolean")


class Enum(Param):
    def __init__(self, *values: str):
        self.values = values

    def convert(self, value, name):
        text = _scalar(value, name)
        if text not in self.values:
            raise ParamError(f"Invalid {name}: must be one of {', '.join(self.values)}", name)
        return text


class Metadata(Param):
    """`metadata[k]=v`; `metadata=` (empty) clears it. Stripe's limits: 50 keys, 40/500 characters."""

    def convert(self, value, name):
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise ParamError(f"Invalid {name}: must be a hash of string keys and values", name)
        if len(value) > 50:
            raise ParamError(f"Invalid {name}: at most 50 keys", name)
        out = {}
        for k, v in value.items():
            if not isinstance(v, str):
                raise ParamError(f"Invalid {name}[{k}]: metadata values must be strings", f"{name}[{k}]")
            if len(k) > 40 or len(v) > 500:
                raise ParamError(f"Invalid {name}[{k}]: keys up to 40 and values up to 500 characters",
                                 f"{name}[{k}]")
            out[k] = v
        return out


class ListOf(Param):
    def __init__(self, item: Param, max_items: int = 100):
        self.item, self.max_items = item, max_items

    def convert(self, value, name):
        if isinstance(value, str):
            if value == "":
                return []
            raise ParamError(f"Invalid array: {name} must be an array (send {name}[0]=...)", name)
        if not isinstance(value, list):
            raise ParamError(f"Invalid array: {name} must be an array, not a hash", name)
        if len(value) > self.max_items:
            raise ParamError(f"Invalid {name}: at most {self.max_items} items", name)
        return [self.item.convert(v, f"{name}[{i}]") for i, v in enumerate(value)]


class Hash(Param):
    def __init__(self, spec: dict[str, Param]):
        self.spec = spec

    def convert(self, value, name):
        if not isinstance(value, dict):
            raise ParamError(f"Invalid object: {name} must be a hash ({name}[key]=...)", name)
        return check(self.spec, value, prefix=name)


class AnyHash(Param):
    """A nested hash taken as it is (options Stripe accepts in many shapes), bounded in depth."""

    def convert(self, value, name):
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise ParamError(f"Invalid object: {name} must be a hash ({name}[key]=...)", name)
        return value


EXPAND = ListOf(Str(200))


def check(spec: dict[str, Param], params: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        kind = spec.get(key)
        if kind is None:
            raise ParamError(f"Received unknown parameter: {short(name)}", name, "parameter_unknown")
        out[key] = kind.convert(value, name)
    for key, kind in spec.items():
        if kind.required and key not in out:
            name = f"{prefix}[{key}]" if prefix else key
            raise ParamError(f"Missing required param: {name}.", name, "parameter_missing")
    return out
