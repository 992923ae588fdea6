"""`paychaos init`: write a starter target file and a sample scenario for the user's merchant.

    DIR/target.yaml                          how paychaos starts and reaches the merchant
    DIR/scenarios/starter-gateway-blip.yaml  a sample scenario to copy

Asks for the name, start command and port on a terminal; with stdin not a terminal it asks nothing
and takes the flags and defaults. Never overwrites an existing file without --force.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from importlib import resources
from pathlib import Path

from paychaos.cli import argtypes
from paychaos.common.errors import InputError

DEFAULT_DIR = "paychaos"
DEFAULT_NAME = "my-shop"
DEFAULT_PORT = 8000
SCENARIO_FILE = "starter-gateway-blip.yaml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

START_BLOCK = """\
# How paychaos starts your app for each run: {{port}} is a free port paychaos picks, and the env
# points your Stripe client at paychaos's fault proxy (reverse mode). Use the variable names your
# app reads. If your app cannot change its Stripe base URL, use forward mode instead: replace the
# two *_API_BASE lines with `forward: true` under start (paychaos init --forward writes that).
{prefix}start:
{prefix}  command: {command}
{prefix}  env:
{prefix}    STRIPE_API_BASE: "{{gateway_url}}"
{prefix}    STRIPE_BACKUP_API_BASE: "{{backup_gateway_url}}"
{prefix}    STRIPE_WEBHOOK_SECRET: "{{webhook_secret}}"
{prefix}    STRIPE_API_KEY: sk_test_paychaos
{prefix}  ready: {{path: /health, timeout_s: 20}}
"""
FORWARD_BLOCK = """\
# How paychaos starts your app for each run: {{port}} is a free port paychaos picks. Forward mode: your
# app keeps https://api.stripe.com; paychaos gives it HTTPS_PROXY and its own CA for every common stack
# (Python, Node, Go, Java, curl; docs/proxy.md, "Forward mode") and answers api.stripe.com from its fake
# gateway through the scenario's faults, never the internet. No path to write: the key is all it takes.
start:
  command: {command}
  forward: true
  env:
    STRIPE_WEBHOOK_SECRET: "{{webhook_secret}}"
    STRIPE_API_KEY: sk_test_paychaos
  ready: {{path: /health, timeout_s: 20}}
"""
NO_START_NOTE = ("# No start command given (paychaos init --start CMD): paychaos expects your app already\n"
                 "# running at base_url. To let paychaos start it, uncomment and adapt:\n")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "init", help="write a starter target file and a sample scenario for your merchant",
        description="Write DIR/target.yaml (how paychaos starts and reaches your merchant) and "
                    f"DIR/scenarios/{SCENARIO_FILE}. Asks on a terminal; otherwise asks nothing.")
    p.add_argument("--dir", default=DEFAULT_DIR, metavar="D", type=argtypes.writable_dir, help=f"where to write (default: ./{DEFAULT_DIR})")
    p.add_argument("--name", metavar="N", help=f"your merchant's name (default: {DEFAULT_NAME})")
    p.add_argument("--port", metavar="P", type=argtypes.fixed_port, help="the port your app listens on (default: a free port paychaos "
                   f"picks and passes as {{port}} when --start is given, else {DEFAULT_PORT})")
    p.add_argument("--start", metavar="CMD", help='the command that starts your app, e.g. '
                   '"python -m myshop --port {port}" (default: none, the app is already running)')
    p.add_argument("--forward", action="store_true", help="forward mode: your app keeps https://api.stripe.com "
                   "and paychaos gives it HTTPS_PROXY and its CA (needs --start: paychaos sets the app's environment)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    answers = ask_missing(args) if sys.stdin.isatty() else {}
    name = check_name(args.name or answers.get("name") or DEFAULT_NAME)
    start = args.start if args.start is not None else answers.get("start") or None
    port = args.port if args.port is not None else check_port(answers.get("port") or None)
    command = check_start(start, port)
    if args.forward and command is None:
        raise InputError("forward mode needs paychaos to start your app: it sets the app's environment",
                         field="--forward", valid='--start "CMD ... {port}" as well; for an app you start yourself, '
                                                  "`paychaos up SCENARIO_FILE` prints the variables to export")
    if command is None and port is None:
        port = DEFAULT_PORT   # an app already running: paychaos cannot pick its port

    out = Path(args.dir)
    target_path, scenario_path = out / "target.yaml", out / "scenarios" / SCENARIO_FILE
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a directory", file=str(out), field="--dir", valid="a directory")
    existing = [str(p) for p in (target_path, scenario_path) if p.exists()]
    if existing and not args.force:
        raise InputError("already exists; nothing was written", file=", ".join(existing), field="--force",
                         valid="--force to overwrite, or another --dir")

    values = {"__NAME__": name, "__TARGET__": str(target_path), "__SCENARIOS__": str(scenario_path.parent),
              "__BASE_URL__": f"http://127.0.0.1:{port if port else '{port}'}",
              "__START__": start_block(command, forward=args.forward)}
    scenario_path.parent.mkdir(parents=True, exist_ok=True)
    target_path.write_text(fill(template("target.yaml"), values), encoding="utf-8")
    scenario_path.write_text(fill(template("scenario.yaml"), values), encoding="utf-8")
    print(f"wrote {target_path} and {scenario_path}")
    print("next: adapt the checkout section of the target file to your app's API, then run")
    print(f"  paychaos run {scenario_path.parent} --target {target_path}")
    return 0


def ask_missing(args: argparse.Namespace) -> dict:
    """Ask on the terminal for what the flags did not give; Enter keeps the default."""
    answers = {}
    if args.name is None:
        answers["name"] = _ask("merchant name", DEFAULT_NAME)
    if args.start is None:
        answers["start"] = _ask('command that starts your app, with {port} where its port goes '
                                '(empty: it is already running)', "")
    if args.port is None:
        default = "" if answers.get("start") else str(DEFAULT_PORT)
        answers["port"] = _ask("port it listens on" + (" (empty: paychaos picks one)" if not default else ""),
                               default)
    return answers


def _ask(question: str, default: str) -> str:
    try:
        reply = input(f"{question} [{default}]: ").strip()
    except EOFError:
        reply = ""
    return reply or default


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InputError(f"'{name}' is not a usable name", field="--name",
                         valid="letters, digits, '.', '_' and '-', at most 64, e.g. my-shop")
    return name


def check_port(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return argtypes.fixed_port(text)
    except argparse.ArgumentTypeError as exc:
        raise InputError(str(exc), field="--port") from None


def check_start(start: str | None, port: int | None) -> list[str] | None:
    """The start command as an argument list; {port} is the app's port (filled now when --port is fixed)."""
    if start is None:
        return None
    try:
        argv = shlex.split(start)
    except ValueError as exc:
        raise InputError(f"cannot split it into arguments: {exc}", field="--start",
                         valid='a shell-like command, e.g. "python -m myshop --port {port}"') from None
    if not argv:
        raise InputError("empty command", field="--start", valid='e.g. "python -m myshop --port {port}"')
    if port is not None:
        return [a.replace("{port}", str(port)) for a in argv]
    if not any("{port}" in a for a in argv):
        raise InputError("the command never says which port to use", field="--start",
                         valid="put {port} where your app takes its port, or give --port P")
    return argv


def start_block(command: list[str] | None, *, forward: bool = False) -> str:
    if forward and command is not None:
        return FORWARD_BLOCK.format(command=json.dumps(command))
    if command is None:
        example = json.dumps(["python", "-m", "myshop", "--port", "{port}"])
        return NO_START_NOTE + START_BLOCK.format(prefix="# ", command=example)
    return START_BLOCK.format(prefix="", command=json.dumps(command))


def template(name: str) -> str:
    return resources.files("paychaos.init_templates").joinpath(name).read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text
