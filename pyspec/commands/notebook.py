"""`vcert notebook`: install the Coq kernel spec, run the tour headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyspec import notebook


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("notebook", help="the Coq notebook tour on coq-jupyter")
    actions = parser.add_subparsers(dest="notebook_action", required=True)

    kernel = actions.add_parser(
        "kernel", help=f"install the {notebook.KERNEL_NAME} kernel spec (idempotent)")
    kernel.add_argument("--prefix", type=Path, default=Path(sys.prefix),
                        help="environment prefix (default: this Python's, %(default)s)")
    kernel.set_defaults(func=run_kernel)

    run = actions.add_parser("run", help="execute a notebook; fail on any Coq error")
    run.add_argument("path", type=Path, nargs="?", default=notebook.TOUR)
    run.add_argument("--output", type=Path, help="also save the executed notebook here")
    run.set_defaults(func=run_notebook)


def run_kernel(args: argparse.Namespace) -> int:
    try:
        target = notebook.install_kernel(args.prefix)
    except (notebook.NotebookError, OSError) as exc:
        print(f"vcert notebook: {exc}", file=sys.stderr)
        return 1
    print(f"kernel {notebook.KERNEL_NAME} installed in {target}")
    return 0


def run_notebook(args: argparse.Namespace) -> int:
    try:
        nb = notebook.execute(args.path)
    except notebook.NotebookError as exc:
        print(f"vcert notebook: {exc}", file=sys.stderr)
        return 1
    if args.output is not None:
        import nbformat

        nbformat.write(nb, str(args.output))
    failures = notebook.coq_failures(nb)
    for failure in failures:
        print(f"cell {failure.index}: {failure.message}\n  in: {failure.source[:200]}",
              file=sys.stderr)
    cells = sum(1 for cell in nb.cells if cell.cell_type == "code")
    if failures:
        print(f"{args.path}: {len(failures)} of {cells} code cells failed", file=sys.stderr)
        return 1
    print(f"{args.path}: {cells} code cells ran without a Coq error")
    return 0
