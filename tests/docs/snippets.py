"""Fenced code blocks of the docs, and the convention that says how each is checked.

    ```sh              run with bash (-euo pipefail) from the repository root of a fresh
                       workspace, venv active; must exit 0
    ```sh exit=2       run; must exit with that status
    ```sh no-run       long-running or needs things a test cannot have (a clone, the network, a
                       terminal): only syntax-checked (bash -n)
    ```yaml            parsed; a scenario (has `cause`) or a target file (has `checkout`) is also
                       validated by paychaos's own loaders
    ```yaml fragment   parsed only (a piece of a larger file)
    ```python          compiled (a sketch may use names it does not define)
    ```toml            parsed
    ```ini             parsed as pytest parses it: no comment after a value (pytest keeps it)
    ```json            parsed
    ```json sketch     the shape of a document, not parsed
    ```console / ```text   output shown to the reader, not checked
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```([A-Za-z]+)([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)


@dataclass(frozen=True)
class Snippet:
    doc: Path
    line: int
    lang: str
    flags: tuple[str, ...]
    text: str

    @property
    def runs(self) -> bool:
        return self.lang == "sh" and "no-run" not in self.flags

    @property
    def exit_code(self) -> int:
        for flag in self.flags:
            if flag.startswith("exit="):
                return int(flag.split("=", 1)[1])
        return 0

    def __str__(self) -> str:
        return f"{self.doc.name}:{self.line}"


def snippets(doc: Path) -> list[Snippet]:
    text = doc.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        out.append(Snippet(doc, line, m.group(1), tuple(m.group(2).split()), m.group(3)))
    return out
