"""The `vcert` command: one subcommand per module in `pyspec.commands`.

Each command module exposes `register(subparsers)`, which adds its parser and
sets `func` (taking the parsed arguments, returning an exit code).  Every
command follows one exit-status contract (`pyspec.exit_status`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from pyspec import interrupt
from pyspec.exit_status import EPILOG, BadInput, Exit, ToolFailed

# Add one line per command module (pyspec/commands/<name>.py).
COMMAND_MODULES: list[str] = [
    "notebook",
    "step",
    "run",
    "check_state",
    "diff",
    "replay",
    "show",
    "vectors",
    "mutate",
    "parse",
    "schema",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vcert", description=__doc__.splitlines()[0],
                                     epilog=EPILOG)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"pyspec.commands.{name}").register(subparsers)
    for sub in subparsers.choices.values():
        sub.epilog = sub.epilog or EPILOG
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    prog = f"vcert {args.command}"
    try:
        with interrupt.raising():    # Ctrl-C and SIGTERM stop every command the same way
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BadInput as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return Exit.BAD_INPUT
    except ToolFailed as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return Exit.TOOL_FAILED
    except OSError as exc:   # a full disk, a file that vanished, a folder made read-only
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{prog}: {exc.strerror or exc}{where}", file=sys.stderr)
        return Exit.BAD_INPUT
    except Exception as exc:  # a bug of vcert: one line, the traceback on request
        if os.environ.get("VCERT_DEBUG"):
            traceback.print_exc()
        print(f"{prog}: internal error: {type(exc).__name__}: {exc} "
              "(VCERT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return Exit.TOOL_FAILED


if __name__ == "__main__":
    sys.exit(main())
