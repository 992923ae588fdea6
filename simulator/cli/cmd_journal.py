"""`paychaos journal FILE`: a proxy journal as a table, filtered by path, status, fault and key."""

from __future__ import annotations

import argparse
import json
import os

from paychaos.common.errors import InputError
from paychaos.proxies.journal import read_journal
from paychaos.proxies.journal_table import COLUMNS, JournalFilter, row


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("journal", help="show a proxy journal (JSON Lines) as a table")
    p.add_argument("file")
    p.add_argument("--path", help='glob on the request path, e.g. "/v1/payment_intents*"')
    p.add_argument("--status", help="HTTP status the client saw: 503, 5xx, or none (no answer)")
    p.add_argument("--fault", help="only exchanges this fault touched")
    p.add_argument("--key", help="glob on the Idempotency-Key")
    p.add_argument("--scenario", help="only this scenario's exchanges")
    p.add_argument("--json", action="store_true", help="print the matching records as JSON Lines")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.status and not (args.status.lower() == "none" or args.status.isdigit()
                            or (len(args.status) == 3 and args.status[0].isdigit()
                                and args.status[1:].lower() == "xx")):
        raise InputError(f"{args.status!r} is not a status", field="--status", valid="503, 5xx, none")
    if not os.path.isfile(args.file):
        raise InputError("no such journal file", file=args.file, valid="a JSON Lines file written by paychaos proxy")
    flt = JournalFilter(path=args.path, status=args.status, fault=args.fault, key=args.key,
                        scenario=args.scenario)
    shown = 0
    if not args.json:
        print(COLUMNS)
    for rec in read_journal(args.file):
        if flt.keep(rec):
            print(json.dumps(rec, ensure_ascii=False) if args.json else row(rec))
            shown += 1
    if not args.json:
        print(f"({shown} exchange{'s' if shown != 1 else ''})")
    return 0
