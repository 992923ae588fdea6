"""The `paychaos` command. Each subcommand lives in its own module `simulator/cli/cmd_<name>.py`
exposing `add_parser(subparsers)` (which sets `func`) and is discovered here, so parts of the
project add commands without touching this file.

Errors of the user's making are `InputError`: printed on one line, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from paychaos import __version__
from paychaos.common.errors import InputError


class Parser(argparse.ArgumentParser):
    """argparse with paychaos's error shape: `paychaos CMD: error: ...` first (as for InputError), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n(`{self.prog} --help` lists the flags and their forms)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="paychaos",
        description="Chaos simulator and test harness for payment integrations.",
    )
    parser.add_argument("--version", action="version", version=f"paychaos {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module(__name__)
    for mod in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if mod.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{mod.name}").add_parser(subs)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"paychaos {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `paychaos list | head`: the reader left; not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"paychaos {args.command}: interrupted", file=sys.stderr)
        return 130
