"""Stripe's form encoding: `metadata[order_id]=1`, `payment_method_types[0]=card`, `expand[]=x`.

`parse_form` turns the raw pairs into nested dicts and lists, raising ParamError naming the key
for anything that cannot be read (broken brackets, a key used both as a value and a hash, more than
MAX_DEPTH levels, an array index that is not 0-9 digits).
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from paychaos.gateway.errors import ParamError
from paychaos.gateway.params import ascii_int, short

# Stripe's deepest parameters have 5 levels (payment_method_options[card][mandate_options][x][0]);
# a cap keeps `a[a][a]...` from building (and later walking) a structure thousands of levels deep.
MAX_DEPTH = 10
MAX_INDEX = 99_999  # `a[123456789]=x` is refused rather than taken as a sparse list


def _unquote(text: str) -> str:
    if "%" not in text and "+" not in text:
        return text
    try:
        return unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        raise ParamError(f"Invalid request body: {text[:40]!r} is not percent-encoded UTF-8", None) from None
    except ValueError:  # e.g. a lone surrogate from a decoded "%ED%A0%80" in strict mode
        raise ParamError(f"Invalid request body: {text[:40]!r} is not percent-encoded UTF-8", None) from None


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs of a form body or query string, keeping blank values (like parse_qsl)."""
    pairs = []
    for field in text.split("&"):
        if not field:
            continue
        key, _, value = field.partition("=")
        pairs.append((_unquote(key), _unquote(value)))
    return pairs


def _split_key(key: str) -> list[str]:
    head, sep, rest = key.partition("[")
    if not head:
        raise ParamError(f"Invalid parameter name: {short(key)!r}", key)
    parts = [head]
    while sep:
        if not rest.endswith("]") and "]" not in rest:
            raise ParamError(f"Invalid parameter name (unclosed bracket): {short(key)}", key)
        inner, _, rest = rest.partition("]")
        if "[" in inner:
            raise ParamError(f"Invalid parameter name: {short(key)}", key)
        parts.append(inner)
        if len(parts) > MAX_DEPTH:
            raise ParamError(f"Invalid parameter name: {short(key)} is nested more than {MAX_DEPTH} levels "
                             f"deep", head)
        if not rest:
            break
        if not rest.startswith("["):
            raise ParamError(f"Invalid parameter name: {short(key)}", key)
        rest = rest[1:]
    return parts


def _index(part: str) -> int | None:
    number = ascii_int(part) if part[:1] != "-" else None
    return number if number is not None and number <= MAX_INDEX else None


def _is_index(part: str) -> bool:
    return part == "" or (part.isdigit() and _index(part) is not None)  # isdigit first: names cost no call


def parse_form(text: str) -> dict:
    """Nested params from a form body or query string. Lists come out as lists of values in order."""
    out: dict = {}
    nested = False
    for key, value in parse_pairs(text):
        if "[" not in key:
            if key in out:
                if isinstance(out[key], (dict, list)):
                    raise ParamError(f"Invalid value for {short(key)}: used both as a value and a hash", key)
            if not key:
                raise ParamError("Invalid parameter name: ''", key)
            out[key] = value
            continue
        nested = True
        _put(out, _split_key(key), value, key)
    return _finish(out) if nested else out


class _List(dict):
    """Collects `a[0]`, `a[1]`, `a[]` entries; turned into a list by `_finish`."""


def _put(root: dict, parts: list[str], value: str, key: str) -> None:
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, _List):
            slot = len(node) if part == "" else _index(part)
            if slot is None:
                raise ParamError(f"Invalid array index in {short(key)} (valid: 0..{MAX_INDEX})", parts[0])
        elif part == "":
            raise ParamError(f"Invalid parameter name: {short(key)}", key)
        else:
            slot = part
        if last:
            if isinstance(node.get(slot), dict):
                raise ParamError(f"Invalid value for {short(key)}: used both as a value and a hash", parts[0])
            node[slot] = value
            return
        want = _List if _is_index(parts[i + 1]) else dict
        child = node.get(slot)
        if child is None:
            child = want()
            node[slot] = child
        elif not isinstance(child, dict) or (want is _List) != isinstance(child, _List):
            raise ParamError(f"Invalid value for {short(key)}: conflicting parameter shapes", parts[0])
        node = child


def _finish(node):
    if isinstance(node, _List):
        return [_finish(node[k]) for k in sorted(node, key=int)]
    if isinstance(node, dict):
        return {k: _finish(v) for k, v in node.items()}
    return node
