"""`vcert check-state`: is a state valid?  Every failing property is reported.

    vcert check-state S.json [--context C.json] [--json]

The state file holds a state or {"context": C, "state": S}, as for `vcert run`.
Each violation names its property (number and name, MODEL.md section 3) and its
witness (guest, physical, machine and virtual addresses involved).

Exit status: 0 when the state is valid, 1 when it is not, 2 for unreadable or
malformed input files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pyspec.commands.run import InputError, load_state
from pyspec.semantics import valid_state


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-state", help="check valid_state, reporting every failing property",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("state", type=Path,
                        help='state file: a state, or {"context": ..., "state": ...}')
    parser.add_argument("--context", type=Path,
                        help="context file (default: empty window, no trusted guest)")
    parser.add_argument("--json", action="store_true",
                        help="print the violations as a JSON array")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        ctx, s = load_state(args.state, args.context)
    except InputError as exc:
        print(f"vcert check-state: {exc}", file=sys.stderr)
        return 2
    violations = valid_state(ctx, s)
    if args.json:
        print(json.dumps([{"property": v.prop.value, "number": v.number,
                           "message": v.message, "witness": v.witness}
                          for v in violations]))
    elif violations:
        print(f"{args.state}: invalid, {len(violations)} violation(s):")
        for v in violations:
            witness = ", ".join(f"{k} {n}" for k, n in v.witness.items())
            print(f"  {v.number}. {v.prop.value}: {v.message} [{witness}]")
    else:
        print(f"{args.state}: valid ({len(s.oss)} guest(s), {len(s.mem)} page(s))")
    return 1 if violations else 0
