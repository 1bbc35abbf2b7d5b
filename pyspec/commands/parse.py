"""`vcert parse ocaml|gallina FILE...`: parse files, one line of result each.

    vcert parse ocaml extract/vcert.ml extract/vcert.mli
    vcert parse gallina coq/*.v

Prints `ok PATH (counts)` or `error PATH:LINE:COL: message` per file, all in
one process.  Exit status: 0 when every file parses, 2 (bad input) when
any does not, or cannot be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pyspec.parsing.errors import ParseError
from pyspec.parsing.gallina import parse_gallina_file
from pyspec.parsing.ocaml import parse_ocaml_file
from pyspec.parsing.summary import gallina_summary, ocaml_summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse", help="parse extracted OCaml or Gallina files and report per file",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("language", choices=("ocaml", "gallina"))
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            if args.language == "ocaml":
                summary = ocaml_summary(parse_ocaml_file(path))
            else:
                summary = gallina_summary(parse_gallina_file(path))
        except ParseError as exc:
            print(f"error {exc}")
            failed += 1
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error {path}: cannot read: {exc}")
            failed += 1
        except RecursionError:
            print(f"error {path}: nested too deeply to parse")
            failed += 1
        else:
            print(f"ok {path} ({summary})")
    return 2 if failed else 0
