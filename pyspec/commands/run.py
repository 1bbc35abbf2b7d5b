"""`vcert run`: run a sequence of actions in pyspec, the Python reference interpreter.

    vcert run --state S.json --actions A.json [--context C.json] [--json]

Inputs as for `vcert step` (docs/protocol.md): the state file holds a state or
{"context": C, "state": S}; the context comes from the state file, else from
--context, else it is the empty context; giving it twice is an error.  The
actions file holds a JSON array of actions.  The output is one line per step
(index, action, response); with --json, one object shaped like the driver's
answer: {"responses": [...], "final_state": S, "states": [one per step]}.

Exit status: 0 when the run completed (even if steps answered errors), 1 when
the initial state is not valid (every failing property is named), 2 for
unreadable or malformed input files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pyspec import codec
from pyspec.codec import CodecError, Json
from pyspec.commands.step import trace_table
from pyspec.model import Action, Context, State
from pyspec.semantics import InvalidState, require_valid, trace


class InputError(Exception):
    """An input file is missing, is not JSON, or has the wrong shape."""


def read_json(path: Path, what: str) -> Json:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} file {path}: {exc}") from None
    try:
        return codec.parse_json(text, f"{what} file {path}")
    except CodecError as exc:
        raise InputError(str(exc)) from None


def load_state(state_path: Path, context_path: Path | None) -> tuple[Context, State]:
    """The context and state given by a state file and an optional context file."""
    try:
        doc = codec.decode_state_document(read_json(state_path, "state"))
    except CodecError as exc:
        raise InputError(f"state file {state_path}: {exc}") from None
    ctx = doc.context
    if context_path is not None:
        if ctx is not None:
            raise InputError(f"the context is given twice: in {state_path} and by "
                             f"--context {context_path}")
        try:
            ctx = codec.decode(Context, read_json(context_path, "context"))
        except CodecError as exc:
            raise InputError(f"context file {context_path}: {exc}") from None
    return (ctx if ctx is not None else Context()), doc.state


def load_actions(path: Path) -> tuple[Action, ...]:
    try:
        return codec.decode_actions(read_json(path, "actions"))
    except CodecError as exc:
        raise InputError(f"actions file {path}: {exc}") from None


def add_state_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", required=True, type=Path,
                        help='state file: a state, or {"context": ..., "state": ...}')
    parser.add_argument("--context", type=Path,
                        help="context file (default: empty window, no trusted guest)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="run actions in pyspec, the Python reference interpreter",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_state_arguments(parser)
    parser.add_argument("--actions", required=True, type=Path,
                        help="actions file: a JSON array of actions")
    parser.add_argument("--json", action="store_true",
                        help="print the trace as JSON, shaped like the driver's answer")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        ctx, s = load_state(args.state, args.context)
        actions = load_actions(args.actions)
    except InputError as exc:
        print(f"vcert run: {exc}", file=sys.stderr)
        return 2
    try:
        require_valid(ctx, s)
    except InvalidState as exc:
        print(f"vcert run: the initial state in {args.state} is not valid: {exc}",
              file=sys.stderr)
        return 1
    results = trace(ctx, s, actions)
    responses = [codec.encode(r.response) for r in results]
    if args.json:
        states = [codec.encode(r.result_state) for r in results]
        print(json.dumps({"responses": responses,
                          "final_state": states[-1] if states else codec.encode(s),
                          "states": states}))
    else:
        print("\n".join(trace_table([codec.encode(a) for a in actions], responses)))
    return 0
