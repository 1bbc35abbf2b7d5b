"""Generate the JSON Schema (draft 2020-12) of the format of docs/protocol.md from
the data model, so that it cannot drift from the codec.

Every Coq type of the model is a definition under ``$defs`` (named as in Coq:
``state``, ``action``, ``page_content``...); the root schema accepts any of them.
JSON Schema cannot say that map keys are distinct: the codec checks that.

    python -m pyspec.schema_json [--check] [PATH]

writes the schema (default: the shipped ``pyspec/data/virtualcert.schema.json``);
with ``--check`` it only compares and exits 1 if the file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pyspec import model, reflect
from pyspec.reflect import (
    NAT_BOUND, EnumRef, InductiveRef, ListOf, MapOf, Nat, Option, RecordRef, Shape,
)

SHIPPED = Path(__file__).parent / "data" / "virtualcert.schema.json"
SCHEMA_ID = "https://virtualcert.example/virtualcert.schema.json"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def shape_schema(shape: Shape) -> Schema:
    match shape:
        case Nat():
            return _ref("nat")
        case Option(of):
            return {"anyOf": [{"type": "null"}, shape_schema(of)]}
        case ListOf(of):
            return {"type": "array", "items": shape_schema(of)}
        case MapOf(of):
            return {
                "type": "array",
                "description": "a finite map: [key, value] pairs, keys distinct",
                "items": {"type": "array", "prefixItems": [_ref("nat"), shape_schema(of)],
                          "minItems": 2, "items": False},
            }
        case EnumRef(name) | InductiveRef(name) | RecordRef(name):
            return _ref(name)
    raise TypeError(f"unknown shape {shape!r}")


def _constructor_schema(cls: type) -> Schema:
    fields = reflect.fields_of(cls)
    if not fields:
        return {"const": cls.TAG}
    return {
        "type": "array",
        "prefixItems": [{"const": cls.TAG}, *(shape_schema(f.shape) for f in fields)],
        "minItems": len(fields) + 1,
        "items": False,
    }


def _record_schema(cls: type) -> Schema:
    fields = reflect.fields_of(cls)
    return {
        "type": "object",
        "properties": {f.name: shape_schema(f.shape) for f in fields},
        "required": [f.name for f in fields],
        "additionalProperties": False,
    }


def generate() -> Schema:
    """The JSON Schema of every model type."""
    defs: Schema = {"nat": {"type": "integer", "minimum": 0, "maximum": NAT_BOUND - 1}}
    for name, enum in model.ENUMS.items():
        defs[name] = {"enum": [member.value for member in enum]}
    for name, ctors in model.INDUCTIVES.items():
        defs[name] = {"oneOf": [_constructor_schema(cls) for cls in ctors]}
    for name, cls in model.RECORDS.items():
        defs[name] = _record_schema(cls)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "VirtualCert JSON format (docs/protocol.md)",
        "description": "Generated from pyspec.model by pyspec.schema_json; do not edit.",
        "anyOf": [_ref(name) for name in model.COQ_TYPES],
        "$defs": defs,
    }


def render() -> str:
    return json.dumps(generate(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the JSON Schema of the format.")
    parser.add_argument("path", nargs="?", type=Path, default=SHIPPED)
    parser.add_argument("--check", action="store_true",
                        help="only compare with the file; exit 1 if it is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else None
        if current != text:
            print(f"{args.path} is stale: run `make schema-json`", file=sys.stderr)
            return 1
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
