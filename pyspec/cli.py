"""The `vcert` command: one subcommand per module in `pyspec.commands`.

Each command module exposes `register(subparsers)`, which adds its parser and
sets `func` (taking the parsed arguments, returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

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
    parser = argparse.ArgumentParser(prog="vcert", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"pyspec.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("vcert: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
