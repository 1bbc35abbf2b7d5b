"""`vcert schema` and `vcert schema-check`: the model's data types and their drift.

    vcert schema --from coq [FILE.v...]        (default: the model files in coq/)
    vcert schema --from ocaml [FILE.ml(i)...]  (default: extract/vcert.mli)
    vcert schema-check [--ocaml]

`schema` prints the inductive types and records as JSON, aliases resolved, so
both sources print the same thing for this project.  `schema-check` compares
the Coq schema with pyspec's data model (and, with --ocaml, with the
extraction) on names, arity, field order, argument names and types, and
prints one line per difference.  Exit status: 0 when they agree, 1 when they
differ, 2 when a source cannot be read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pyspec.parsing.errors import ParseError
from pyspec.parsing.schema import (
    MODEL_FILES, Schema, SchemaError, diff_schemas, schema_from_coq, schema_from_ocaml,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COQ = tuple(ROOT / "coq" / name for name in MODEL_FILES)
DEFAULT_OCAML = (ROOT / "extract" / "vcert.mli",)


def register(subparsers: argparse._SubParsersAction) -> None:
    schema = subparsers.add_parser(
        "schema", help="print the model's data types (JSON) from Coq or extracted OCaml",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    schema.add_argument("--from", dest="source", choices=("coq", "ocaml"), required=True)
    schema.add_argument("files", nargs="*", type=Path, metavar="FILE")
    schema.set_defaults(func=run_schema)
    check = subparsers.add_parser(
        "schema-check", help="compare the Coq schema with pyspec's model (and the extraction)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("--coq", nargs="+", type=Path, metavar="FILE.v", default=list(DEFAULT_COQ))
    check.add_argument("--ocaml", nargs="*", type=Path, metavar="FILE.mli",
                       help="also compare with extracted OCaml (default file: extract/vcert.mli)")
    check.set_defaults(func=run_check)


def _load(source: str, files: list[Path]) -> Schema:
    if source == "coq":
        return schema_from_coq(files or list(DEFAULT_COQ))
    return schema_from_ocaml(files or list(DEFAULT_OCAML))


def run_schema(args: argparse.Namespace) -> int:
    try:
        schema = _load(args.source, args.files)
    except (ParseError, SchemaError, OSError) as exc:
        print(f"vcert schema: {exc}")
        return 2
    print(json.dumps(schema.to_json(), indent=2))
    return 0


def run_check(args: argparse.Namespace) -> int:
    from pyspec import model
    from pyspec.parsing.drift import python_schema

    try:
        coq = _load("coq", args.coq)
        others = [python_schema(model)]
        if args.ocaml is not None:
            others.append(_load("ocaml", args.ocaml))
    except (ParseError, SchemaError, OSError) as exc:
        print(f"schema-check: {exc}")
        return 2
    differences = [line for other in others for line in diff_schemas(coq, other)]
    for line in differences:
        print(f"schema-check: {line}")
    if differences:
        return 1
    names = ", ".join(["coq"] + [o.source for o in others])
    print(f"schema-check: ok ({len(coq.types)} types agree: {names})")
    return 0
