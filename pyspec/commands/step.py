"""`vcert step`: run a sequence of actions through the extracted specification.

    vcert step --state S.json --actions A.json [--context C.json] [--json]

The state file holds either a bare state or an object {"context": C, "state": S}
(docs/protocol.md gives the format). The context comes from the state file,
else from --context, else it is the empty context (empty hypervisor window,
no trusted guest); giving it in both places is an error. The actions file
holds a JSON array of actions. The output is one line per step (index,
action, response), or with --json the driver's raw answer.

Exit status: 0 when the run completed (even if steps answered errors), 1 when
the driver refused the input (e.g. an invalid state), 2 for unreadable input
files or a missing driver.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pyspec.driver import Driver, DriverError, DriverRequestError
from pyspec.exit_status import BadInput

from .common import read_json

JSON = Any

EMPTY_CONTEXT: dict[str, JSON] = {"hyp_window": [], "trusted_oss": []}


class InputError(Exception):
    """An input file is missing, is not JSON, or has the wrong shape."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "step",
        help="run actions through the extracted specification (the OCaml driver)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--state", required=True, type=Path,
                        help='state file: a state, or {"context": ..., "state": ...}')
    parser.add_argument("--actions", required=True, type=Path,
                        help="actions file: a JSON array of actions")
    parser.add_argument("--context", type=Path,
                        help="context file (default: empty window, no trusted guest)")
    parser.add_argument("--json", action="store_true",
                        help="print the driver's raw JSON answer instead of a table")
    parser.set_defaults(func=run)


def load_json(path: Path, what: str) -> JSON:
    try:
        return read_json(path, f"{what} file")
    except BadInput as exc:
        raise InputError(str(exc)) from None


def split_state_file(document: JSON, path: Path) -> tuple[JSON | None, JSON]:
    """(context or None, state) from a state file's contents."""
    if isinstance(document, dict) and "state" in document:
        extra = set(document) - {"context", "state"}
        if extra:
            raise InputError(
                f"state file {path}: a {{\"context\", \"state\"}} object has unexpected "
                f"keys {sorted(extra)}"
            )
        return document.get("context"), document["state"]
    return None, document


def load_inputs(args: argparse.Namespace) -> tuple[JSON, JSON, list[JSON]]:
    context, state = split_state_file(load_json(args.state, "state"), args.state)
    if args.context is not None:
        if context is not None:
            raise InputError(
                f"the context is given twice: in {args.state} and by --context {args.context}"
            )
        context = load_json(args.context, "context")
    actions = load_json(args.actions, "actions")
    if not isinstance(actions, list):
        raise InputError(f"actions file {args.actions} must hold a JSON array of actions")
    return (EMPTY_CONTEXT if context is None else context), state, actions


def render(value: JSON) -> str:
    """A protocol value in Coq-like syntax: ["Hcall", ["HC_pin", 2, "T_RW"]] is
    `Hcall (HC_pin 2 T_RW)`, ["Error", "Invalid_vadd"] is `Error Invalid_vadd`."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        args = [render(arg) for arg in value[1:]]
        wrapped = [f"({a})" if " " in a else a for a in args]
        return " ".join([value[0], *wrapped])
    if value is None:
        return "None"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def trace_table(actions: list[JSON], responses: list[JSON]) -> list[str]:
    rendered = [render(action) for action in actions]
    width = max([len("action"), *map(len, rendered)])
    lines = [f"{'step':>4}  {'action':<{width}}  response"]
    for index, (action, response) in enumerate(zip(rendered, responses)):
        lines.append(f"{index:>4}  {action:<{width}}  {render(response)}")
    errors = sum(1 for response in responses if response != "Ok")
    lines.append(f"{len(responses)} steps: {len(responses) - errors} Ok, {errors} errors")
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        context, state, actions = load_inputs(args)
    except InputError as exc:
        print(f"vcert step: {exc}", file=sys.stderr)
        return 2
    try:
        with Driver() as driver:
            answer = driver.run(context, state, actions, states=False)
    except DriverRequestError as exc:
        print(f"vcert step: the driver refused the input: {exc}", file=sys.stderr)
        if (exc.path or "").startswith("$.actions"):
            print("  ($.actions[i] is action i of the actions file)", file=sys.stderr)
        return 1
    except DriverError as exc:
        print(f"vcert step: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer))
    else:
        print("\n".join(trace_table(actions, answer["responses"])))
    return 0
