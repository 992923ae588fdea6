"""The one error type for bad user input: names the file, the field and the valid forms (exit 2)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


class InputError(Exception):
    """Bad input from a user file or flag. The CLI prints it and exits 2, never a traceback."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 valid: Iterable[str] | str | None = None):
        self.file = file
        self.field = field
        self.valid = valid if isinstance(valid, str) or valid is None else ", ".join(valid)
        self.detail = _cut(message)
        super().__init__(self.render())

    def render(self) -> str:
        where = ": ".join(p for p in (self.file, self.field) if p)
        text = f"{where}: {self.detail}" if where else self.detail
        if self.valid:
            text += f" (valid: {self.valid})"
        return text


MAX_DETAIL_CHARS = 400
_LONG_RUN = re.compile(r"\S{120,}")


def _cut(message: str) -> str:
    """A safety net under brief(): a value that reached a message whole (a run of 120+ characters
    without a space, or a message over MAX_DETAIL_CHARS) is cut, so no error prints a file's megabytes."""
    message = _LONG_RUN.sub(lambda m: f"{m[0][:80]}… ({len(m[0])} characters)", message)
    if len(message) > MAX_DETAIL_CHARS:
        message = f"{message[:MAX_DETAIL_CHARS]}… ({len(message)} characters)"
    return message


def nearest(name: str, choices: Iterable[str]) -> str | None:
    """The closest valid name to a misspelt one, for 'did you mean' hints."""
    if len(name) > 100:  # difflib is quadratic; nothing that long is a misspelling
        return None
    found = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return found[0] if found else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    guess = nearest(name, choices)
    return f"; did you mean '{guess}'?" if guess else ""


def brief(value, *, bare: bool = False, limit: int = 80) -> str:
    """A value as shown in an error: quoted text (or repr), cut to `limit` characters, so a hostile
    file's megabyte of text never lands whole on a terminal or in a log."""
    text = str(value) if bare or isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text)} characters)"
    return text if bare or not isinstance(value, str) else f"'{text}'"
