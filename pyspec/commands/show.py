"""`vcert show`: draw a state, two states of one run, or a finding.

    vcert show STATE.json [--context C.json] [--diff OTHER.json] [--svg OUT | --png OUT]
    vcert show FINDING.json [--svg OUT | --png OUT]

A state file holds a state or {"context": C, "state": S}, as for `vcert run`.
The diagram shows the guests (trusted or not, active, activity and mode,
pending hypercall) with their physical-to-machine maps, the machine pages by
owner and content, page tables with their mappings (accessible or in the
hypervisor window) and the free pages.  --diff draws OTHER over the same
layout, marking what differs.  Given a finding file, it draws the finding's
diff: the two oracles' states after the first divergent step (or the failing
step against the state before it).  Without --svg or --png it prints the
diagram's text alternative.  Exit status: 0, 2 on bad input, 3 without Graphviz.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import graphviz

from pyspec import codec
from pyspec.commands.run import InputError, load_state, read_json
from pyspec.difftest.finding_page import finding_view
from pyspec.difftest.findings import FORMAT, Finding
from pyspec.exit_status import BadInput, Exit, ToolFailed
from pyspec.viz import Diagram, draw_diff, draw_state


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("show", help="draw a state, a diff of two states, or a finding",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("state", type=Path, help="a state file, or a finding file")
    p.add_argument("--context", type=Path,
                   help="context file (default: empty window, no trusted guest)")
    p.add_argument("--diff", type=Path, metavar="OTHER",
                   help="a second state of the same run, drawn over the same layout")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--svg", type=Path, metavar="OUT", help="write the diagram as SVG")
    out.add_argument("--png", type=Path, metavar="OUT", help="write the diagram as PNG")
    p.set_defaults(func=run)


def _load_json_state(path: Path, context: Path | None) -> tuple[dict, dict]:
    ctx, s = load_state(path, context)
    return codec.encode(ctx), codec.encode(s)


def diagram(args: argparse.Namespace) -> Diagram:
    """The diagram the arguments ask for; InputError on bad input."""
    data = read_json(args.state, "state")
    if isinstance(data, dict) and "format" in data:
        if data["format"] != FORMAT:
            raise InputError(f"{args.state}: not a state, nor a finding "
                             f"(format {data['format']!r})")
        if args.context or args.diff:
            raise InputError("--context and --diff are not used with a finding file")
        try:
            v = finding_view(args.state.stem, Finding.from_json(data))
        except (ValueError, TypeError) as exc:
            raise InputError(f"{args.state}: {exc}") from None
        if v.after is None and v.before is None:
            raise InputError(f"{args.state}: the finding has no state to draw")
        return v.after or v.before     # type: ignore[return-value]
    ctx, s = _load_json_state(args.state, args.context)
    if args.diff is None:
        return draw_state(ctx, s)
    ctx2, s2 = _load_json_state(args.diff, None)
    if read_json(args.diff, "state").get("context") is not None and ctx2 != ctx:
        raise InputError(f"{args.diff}: its context differs from {args.state}'s; "
                         "the two states must come from the same run")
    return draw_diff(ctx, s, s2, (args.state.stem, args.diff.stem))


def run(args: argparse.Namespace) -> int:
    try:
        d = diagram(args)
    except InputError as exc:
        raise BadInput(str(exc)) from None
    try:
        if args.svg:
            args.svg.write_text(d.svg(), encoding="utf-8")
        elif args.png:
            args.png.write_bytes(d.png())
        else:
            print(d.text())
    except graphviz.ExecutableNotFound:
        raise ToolFailed("Graphviz's dot is not installed (scripts/bootstrap.sh installs it)") \
            from None
    return Exit.OK
