"""Stripe's form encoding: `metadata[order_id]=1`, `payment_method_types[0]=card`, `expand[]=x`.

`parse_form` turns the raw pairs into nested dicts and lists, raising ParamError naming the key
for anything that cannot be read (broken brackets, a key used both as a value and a hash).
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from simulator.gateway.errors import ParamError


def _unquote(text: str) -> str:
    if "%" not in text and "+" not in text:
        return text
    try:
        return unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
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
        raise ParamError(f"Invalid parameter name: {key!r}", key)
    parts = [head]
    while sep:
        if not rest.endswith("]") and "]" not in rest:
            raise ParamError(f"Invalid parameter name (unclosed bracket): {key}", key)
        inner, _, rest = rest.partition("]")
        if "[" in inner:
            raise ParamError(f"Invalid parameter name: {key}", key)
        parts.append(inner)
        if not rest:
            break
        if not rest.startswith("["):
            raise ParamError(f"Invalid parameter name: {key}", key)
        rest = rest[1:]
    return parts


def _is_index(part: str) -> bool:
    return part == "" or part.isdigit()


def parse_form(text: str) -> dict:
    """Nested params from a form body or query string. Lists come out as lists of values in order."""
    out: dict = {}
    nested = False
    for key, value in parse_pairs(text):
        if "[" not in key:
            if key in out:
                if isinstance(out[key], (dict, list)):
                    raise ParamError(f"Invalid value for {key}: used both as a value and a hash", key)
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
            slot = len(node) if part == "" else int(part) if part.isdigit() else None
            if slot is None:
                raise ParamError(f"Invalid array index in {key}", parts[0])
        elif part == "":
            raise ParamError(f"Invalid parameter name: {key}", key)
        else:
            slot = part
        if last:
            if isinstance(node.get(slot), dict):
                raise ParamError(f"Invalid value for {key}: used both as a value and a hash", parts[0])
            node[slot] = value
            return
        want = _List if _is_index(parts[i + 1]) else dict
        child = node.get(slot)
        if child is None:
            child = want()
            node[slot] = child
        elif not isinstance(child, dict) or (want is _List) != isinstance(child, _List):
            raise ParamError(f"Invalid value for {key}: conflicting parameter shapes", parts[0])
        node = child


def _finish(node):
    if isinstance(node, _List):
        return [_finish(node[k]) for k in sorted(node, key=int)]
    if isinstance(node, dict):
        return {k: _finish(v) for k, v in node.items()}
    return node
