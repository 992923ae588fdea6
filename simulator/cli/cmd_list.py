"""`paychaos list`: the built-in scenarios (name, cause, one line) and every fault with its parameters."""

from __future__ import annotations

import argparse
import glob
import os

from paychaos.common.call_kinds import KINDS
from paychaos.common.errors import InputError
from paychaos.common.paths import builtin_scenarios_dir
from paychaos.common.strict_yaml import load_yaml_file
from paychaos.proxies.faults import REGISTRY

SCENARIO_DIR = str(builtin_scenarios_dir())


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("list", help="list the built-in scenarios, the faults and the load profiles")
    p.add_argument("what", nargs="?", choices=("all", "faults", "scenarios", "profiles"), default="all")
    p.add_argument("--scenario-dir", default=os.path.normpath(SCENARIO_DIR), help="where to look for *.yaml")
    p.set_defaults(func=main)


def fault_lines() -> list[str]:
    lines = []
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        leg = " [webhook leg]" if cls.leg == "webhooks" else ""
        if cls.leg != "webhooks" and set(cls.kinds) != set(KINDS):
            leg += f" [applies to: {', '.join(cls.kinds)} calls]"
        lines.append(f"  {name:<18} {cls.description()}{leg}")
        params = cls.params()
        lines.append("      params: " + (", ".join(p.summary() for p in params) if params else "none"))
    lines.append("")
    lines.append("  A rule's `match.kind` picks calls by meaning, whatever Stripe API the merchant uses: "
                 + ", ".join(KINDS) + " (or a list of them, or any).")
    return lines


def scenario_lines(directory: str) -> list[str]:
    lines = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        try:
            doc = load_yaml_file(path) or {}
        except InputError as exc:
            lines.append(f"  {os.path.basename(path)}: unreadable ({exc.detail})")
            continue
        if not isinstance(doc, dict):
            continue
        desc = " ".join(str(doc.get("description", "")).split())
        lines.append(f"  {doc.get('name', os.path.basename(path)):<32} {doc.get('cause', '?'):<20} {desc}")
    return lines


def dialect_sets(directory: str) -> list[str]:
    """The dialect scenario sets in the folder (scenarios/alipay, scenarios/wechatpay)."""
    from paychaos.scenario.load import BUILTIN_SETS

    return [name for name in BUILTIN_SETS if glob.glob(os.path.join(directory, name, "*.yaml"))]


def profile_lines() -> list[str]:
    from paychaos.load.profiles import available  # reads the locustfiles as text; never imports locust

    return [f"  {p.name:<18} {p.summary}" for p in available().values()]


def main(args: argparse.Namespace) -> int:
    if args.what in ("all", "scenarios"):
        print(f"Scenarios ({args.scenario_dir}):")
        print("\n".join(scenario_lines(args.scenario_dir)) or "  (none)")
        for name in dialect_sets(args.scenario_dir):
            print(f"\nScenarios for the {name} dialect (paychaos run --target T {name}; or one by name):")
            print("\n".join(scenario_lines(os.path.join(args.scenario_dir, name))))
    if args.what in ("all", "faults"):
        if args.what == "all":
            print()
        print("Faults (use in a scenario's `faults:` list):")
        print("\n".join(fault_lines()))
    if args.what in ("all", "profiles"):
        if args.what == "all":
            print()
        print("Load profiles (paychaos load PROFILE):")
        print("\n".join(profile_lines()) or "  (none)")
    return 0
