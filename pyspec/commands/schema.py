"""`vcert schema`, `vcert schema-check`, `vcert codec`: the model's data types.

    vcert schema --from coq [FILE.v...]        (default: the model files in coq/)
    vcert schema --from ocaml [FILE.ml(i)...]  (default: extract/vcert.mli)
    vcert schema-check [--ocaml]
    vcert codec [--check]

`schema` prints the inductive types and records as JSON, aliases resolved, so
both sources print the same thing for this project.  `schema-check` compares
the Coq schema with pyspec's data model (pyspec.model and pyspec.cache.model;
with --ocaml, also with the extraction) on names, arity, field order, argument names and types, and
prints one line per difference.  `codec` regenerates the driver's JSON codec
(extract/driver/codec.ml) from the types of extract/vcert.mli, with argument
names and sections from the Coq sources; with --check it writes nothing and
fails, showing a diff, when the committed file differs from a fresh
generation.  Exit status: 0 when they agree, 1 when they differ, 2 when a
source cannot be read.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

from pyspec.parsing.errors import ParseError
from pyspec.parsing.schema import (
    MODEL_FILES, Schema, SchemaError, diff_schemas, schema_from_coq, schema_from_ocaml,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COQ = tuple(ROOT / "coq" / name for name in MODEL_FILES)
DEFAULT_OCAML = (ROOT / "extract" / "vcert.mli",)
DEFAULT_CODEC = ROOT / "extract" / "driver" / "codec.ml"


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
    codec = subparsers.add_parser(
        "codec", help="regenerate (or --check) the driver's JSON codec from the extraction",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    codec.add_argument("--check", action="store_true", help="fail if the committed codec is stale")
    codec.add_argument("--mli", type=Path, default=DEFAULT_OCAML[0])
    codec.add_argument("--out", type=Path, default=DEFAULT_CODEC)
    codec.set_defaults(func=run_codec)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not text (not UTF-8): {exc}"
    if isinstance(exc, RecursionError):
        return "input nested too deeply to parse"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _load(source: str, files: list[Path]) -> Schema:
    if source == "coq":
        return schema_from_coq(files or list(DEFAULT_COQ))
    return schema_from_ocaml(files or list(DEFAULT_OCAML))


def run_schema(args: argparse.Namespace) -> int:
    try:
        schema = _load(args.source, args.files)
    except (ParseError, SchemaError, OSError, UnicodeDecodeError, RecursionError) as exc:
        print(f"vcert schema: {_one_line(exc)}", file=sys.stderr)
        return 2
    print(json.dumps(schema.to_json(), indent=2))
    return 0


def run_check(args: argparse.Namespace) -> int:
    from pyspec.parsing.drift import pyspec_schema

    try:
        coq = _load("coq", args.coq)
        others = [pyspec_schema()]
        if args.ocaml is not None:
            others.append(_load("ocaml", args.ocaml))
    except (ParseError, SchemaError, OSError, UnicodeDecodeError, RecursionError) as exc:
        print(f"schema-check: {_one_line(exc)}", file=sys.stderr)
        return 2
    differences = [line for other in others for line in diff_schemas(coq, other)]
    for line in differences:
        print(f"schema-check: {line}")
    if differences:
        return 1
    names = ", ".join(["coq"] + [o.source for o in others])
    print(f"schema-check: ok ({len(coq.types)} types agree: {names})")
    return 0


def run_codec(args: argparse.Namespace) -> int:
    from pyspec.parsing.codec import CodecError, render_codec

    try:
        ocaml = schema_from_ocaml([args.mli])
        coq = _load("coq", [])
        text = render_codec(ocaml, args.mli.stem.capitalize(), coq)
    except (ParseError, SchemaError, CodecError, OSError) as exc:
        print(f"codec: {exc}")
        return 2
    if not args.check:
        args.out.write_text(text)
        print(f"codec: wrote {args.out}")
        return 0
    current = args.out.read_text() if args.out.exists() else ""
    if current == text:
        print(f"codec: {args.out} is up to date")
        return 0
    diff = difflib.unified_diff(current.splitlines(keepends=True), text.splitlines(keepends=True),
                                str(args.out), "generated")
    print("".join(diff), end="")
    print(f"codec: {args.out} differs from the generated codec; run make codec")
    return 1
