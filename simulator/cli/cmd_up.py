"""`paychaos up SCENARIO` (a file or a built-in name such as `response-lost`): gateway(s) + proxy with the scenario's faults, for poking by hand.

Prints the environment to give the app (reverse and forward variants), the token the control API and
`/_sim` want (with curl lines that use it), then shows the journal live as a table until Ctrl-C,
which stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import tempfile
import time
from urllib import request as urlrequest
from urllib.parse import urlsplit

from paychaos.cli import argtypes
from paychaos.common import localtoken
from paychaos.common.netsafety import check_upstream
from paychaos.common.procs import paychaos_argv, start_service
from paychaos.proxies.forward import forward_env, java_truststore
from paychaos.proxies.journal_table import COLUMNS, row
from paychaos.proxies.testing import running_proxy

WEBHOOK_SECRET = "whsec_paychaos_up"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("up", help="start gateway + proxy with a scenario's faults, for poking by hand")
    p.add_argument("scenario", metavar="SCENARIO",
                   help="a scenario file, or a built-in scenario's name as `paychaos list scenarios` prints it")
    p.add_argument("--webhook-url", type=argtypes.url, help="your app's webhook endpoint; deliveries go through the proxy")
    p.add_argument("--backup", action="store_true", help="also start a backup gateway (implied when a "
                   "rule matches upstream: backup)")
    p.add_argument("--journal", type=argtypes.writable_file, help="journal file (default: a new file in the temp dir)")
    p.add_argument("--seed", type=argtypes.seed, default=0, help="seed for the faults' dice (default: the scenario's)")
    p.add_argument("--quiet", action="store_true", help="do not show the journal live")
    p.add_argument("--catalogue", metavar="FILE", default=None,
                   help="Products and Prices the gateway holds from its start (the Price id your .env names; "
                        "see docs/gateway.md, Catalogue)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from paychaos.proxies.addon import load_scenario_rules  # mitmproxy: only when needed

    ruleset = load_scenario_rules(args.scenario, args.seed)   # bad file: exit 2 before anything starts
    if args.catalogue:
        from paychaos.common.catalogue import load_catalogue

        load_catalogue(args.catalogue)                          # likewise
    if args.webhook_url:
        check_upstream(args.webhook_url, field="--webhook-url")
    want_backup = args.backup or any(r.match.upstream == "backup" for r in ruleset.rules)
    # One token for the gateway(s) and the proxy, handed over in the environment (a command line is
    # readable by every user of the machine): $PAYCHAOS_TOKEN when set, else a fresh one.
    token = localtoken.choose_token(None, flag="up")
    env = {localtoken.ENV: token}
    journal = args.journal or os.path.join(tempfile.mkdtemp(prefix="paychaos-up-"), "journal.jsonl")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    services = []
    try:
        primary = _gateway("gateway", env, args.catalogue)
        services.append(primary)
        upstreams = {"primary": primary.url}
        if want_backup:
            backup = _gateway("gateway-backup", env, args.catalogue)
            services.append(backup)
            upstreams["backup"] = backup.url
        hook_path = ""
        if args.webhook_url:
            parts = urlsplit(args.webhook_url)
            upstreams["webhooks"] = f"{parts.scheme}://{parts.netloc}"
            hook_path = parts.path or "/"
        with running_proxy(upstreams, scenario=args.scenario, journal=journal, seed=args.seed or None,
                           forward=True, env=env) as proxy:
            info = proxy.info
            if args.webhook_url:
                _post_json(primary.url + "/_sim/webhooks",
                           {"url": info["listeners"]["webhooks"] + hook_path, "secret": WEBHOOK_SECRET},
                           token=primary.info.get("token"))
            _print_env(ruleset, info, upstreams, journal, args.webhook_url)
            _print_tokens(primary, info)
            _follow(journal, stopping, quiet=args.quiet)
    except KeyboardInterrupt:
        pass
    finally:
        for svc in services:
            svc.stop()
        print("paychaos up: stopped", flush=True)
    return 0


def _gateway(name: str, env: dict, catalogue: str | None):
    flags = ("--catalogue", os.path.abspath(catalogue)) if catalogue else ()
    return start_service(name, paychaos_argv("gateway", "--port", "0", *flags), env=env)


def _post_json(url: str, body: dict, *, token: str | None) -> None:
    req = urlrequest.Request(url, data=json.dumps(body).encode(), method="POST",
                             headers={"Content-Type": "application/json", **localtoken.headers(token)})
    with urlrequest.urlopen(req, timeout=10):
        pass


def _print_env(ruleset, info: dict, upstreams: dict, journal: str, webhook_url: str | None) -> None:
    print(f"paychaos up: scenario {ruleset.scenario!r}, {len(ruleset.rules)} fault rule(s), seed {ruleset.seed}")
    for r in ruleset.rules:
        print(f"  {r.id}: {r.fault} {r.params}")
    print(f"\nGateways: {', '.join(f'{k}={v}' for k, v in upstreams.items() if k != 'webhooks')}")
    print(f"Control API: {info['control']}   Journal: {journal}")
    print("\nReverse mode (your app's gateway base URL points at paychaos):")
    _export("STRIPE_API_BASE", info["url"])
    if "backup" in info["listeners"]:
        _export("STRIPE_BACKUP_API_BASE", info["listeners"]["backup"])
    if webhook_url:
        _export("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    _export("STRIPE_API_KEY", "sk_test_paychaos")
    print("\nForward mode (your app keeps https://api.stripe.com; Python, Node, Go, Java, curl):")
    truststore = java_truststore(info["ca_cert"])
    for key, value in forward_env(info["forward"], info["ca_cert"], truststore=truststore).items():
        if key.islower():
            continue
        _export(key, value)  # PYTHONPATH, NODE_OPTIONS and JAVA_TOOL_OPTIONS keep what this shell had
    print(f"  # a browser on a Checkout page (https://checkout.stripe.com/c/pay/...): proxy {info['forward']}, "
          f"trusting {info['ca_cert']}")
    if truststore is None:
        print("  # Java: no keytool found (and this cryptography cannot write a Java trust store): "
              f"import {info['ca_cert']} into a trust store yourself (docs/proxy.md)")


def _print_tokens(primary, info: dict) -> None:
    """The token /_sim and the control API want, and curl lines to paste (docs/reference/reproduce-by-hand.md)."""
    header = localtoken.HEADER
    print(f"\nToken (every /_sim and /_paychaos call sends it in the {header} header):")
    _export(localtoken.ENV, info.get("token") or primary.info.get("token") or "")
    print(f"  curl -s -H \"{header}: ${localtoken.ENV}\" {primary.url}/_sim/ledger")
    print(f"  curl -s -H \"{header}: ${localtoken.ENV}\" {info['control']}/rules")
    print(f"  curl -s -X PUT -H \"{header}: ${localtoken.ENV}\" -H 'Content-Type: application/json' "
          f"-d '{{\"rules\": []}}' {info['control']}/rules")
    print("\nCtrl-C stops everything.\n", flush=True)


def _export(key: str, value: str) -> None:
    print(f"  export {key}={shlex.quote(value)}")


def _follow(journal: str, stopping: list, *, quiet: bool) -> None:
    if not quiet:
        print(COLUMNS, flush=True)
    pos = 0
    while not stopping:
        if os.path.exists(journal) and not quiet:
            with open(journal, encoding="utf-8") as fh:
                fh.seek(pos)
                while True:
                    line = fh.readline()
                    if not line.endswith("\n"):
                        break
                    pos = fh.tell()
                    try:
                        print(row(json.loads(line)), flush=True)
                    except ValueError:
                        continue
        time.sleep(0.2)
    raise KeyboardInterrupt


