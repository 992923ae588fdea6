"""YAML for user files with bounds: what a hostile scenario or target file can cost is capped.

`load_yaml_file(path)` reads one regular file of at most MAX_FILE_BYTES and parses it with
StrictLoader, PyYAML's safe loader with these refusals (each an InputError naming the file, the
line and column, and the valid form; docs/reference/scenario-file.md "Bounds" says why):

- anchors and aliases (`&a`, `*a`, `<<: *a`): an alias bomb of 700 bytes expands to gigabytes;
- a key given twice in one mapping (YAML would silently keep the last one);
- nesting deeper than MAX_DEPTH (the composer recurses: ~500 levels is a RecursionError), and more
  than MAX_NODES values (parsing is pure Python: a 256 KiB flat list would take seconds);
- whole numbers beyond 64 bits or longer than MAX_INT_CHARS (Python refuses to parse 4,300+ digits);
- NaN and infinity (`.nan`, `.inf`, `1e999`): every number a paychaos file holds is finite;
- a NUL character in a string (`"\\0"`): no command line, environment or header can carry it.
"""

from __future__ import annotations

import math
import os
import stat

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, ScalarNode

from paychaos.common.errors import InputError, brief

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 64
MAX_NODES = 10_000          # values (scalars, lists, mappings) in one file: parsing costs ~35 µs each
MAX_INT_CHARS = 24          # room for 2**63-1 (19 digits) with a sign, '_' separators or a 0x prefix
INT64_MAX = 2**63 - 1
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class Refused(yaml.MarkedYAMLError):
    """A construct StrictLoader does not accept; `valid` says what to write instead."""

    def __init__(self, problem: str, mark, valid: str | None = None):
        super().__init__(problem=problem, problem_mark=mark)
        self.valid = valid


class StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader without aliases, duplicate keys, deep nesting, huge or non-finite numbers and NULs."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise Refused(f"alias *{brief(event.anchor, bare=True)}: YAML anchors and aliases are not supported",
                          event.start_mark, valid="write the value out where it is used")
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None:
            raise Refused(f"anchor &{brief(event.anchor, bare=True)}: YAML anchors and aliases are not supported",
                          event.start_mark, valid="write the value out where it is used")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise Refused(f"more than {MAX_NODES} values in one file", event.start_mark,
                          valid=f"at most {MAX_NODES} scalars, lists and mappings")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark,
                          valid=f"at most {MAX_DEPTH} levels of lists and mappings")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag in _SPECIAL_KEYS:
                    continue  # unhashable keys are refused by SafeLoader itself; `<<` merges are SafeLoader's
                key = self.construct_object(key_node)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:
                    continue
                if first is not key_node.start_mark:
                    raise Refused(f"duplicate key {brief(key)} (first given on line {first.line + 1})",
                                  key_node.start_mark, valid="each key once per mapping")
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if len(text) > MAX_INT_CHARS:
            raise Refused(f"a whole number of {len(text)} characters is too long", node.start_mark,
                          valid=f"a whole number from -{INT64_MAX} to {INT64_MAX}")
        value = super().construct_yaml_int(node)
        if abs(value) > INT64_MAX:
            raise Refused(f"{brief(text, bare=True)} is beyond 64 bits", node.start_mark,
                          valid=f"a whole number from -{INT64_MAX} to {INT64_MAX}")
        return value

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise Refused(f"{brief(self.construct_scalar(node), bare=True)} is not a finite number", node.start_mark,
                          valid="a finite number such as 0.5 or 120; NaN and infinity are not accepted")
        return value

    def construct_yaml_str(self, node):
        value = super().construct_yaml_str(node)
        if "\x00" in value:
            raise Refused("a NUL character (\\0) in a string", node.start_mark,
                          valid="text without NUL characters")
        return value


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)
StrictLoader.add_constructor("tag:yaml.org,2002:str", StrictLoader.construct_yaml_str)


def parse_yaml(text: str, *, file: str) -> object:
    """One YAML document -> Python data; anything refused or invalid is an InputError naming the file and line."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except Refused as exc:
        raise InputError(f"{_where(exc)}{exc.problem}", file=file, valid=exc.valid) from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{_where(exc)}not valid YAML: {brief(problem, bare=True, limit=160)}", file=file) from None
    except RecursionError:  # a safety net: MAX_DEPTH stops nesting long before the stack ends
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", file=file) from None


def load_yaml_file(path: str | os.PathLike) -> object:
    """Read and parse one YAML file: a regular file of at most MAX_FILE_BYTES of UTF-8."""
    file = str(path)
    try:
        if stat.S_ISDIR(os.stat(path).st_mode):
            raise InputError("is a directory", file=file, valid="a YAML file")
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, /dev/zero never end
            raise InputError("not a regular file", file=file, valid="a YAML file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", file=file) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=file) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"larger than {MAX_FILE_BYTES // 1024} KiB", file=file,
                         valid=f"a YAML file of at most {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=file, valid="a UTF-8 YAML file") from None
    return parse_yaml(text, file=file)


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""

