"""Generate the driver's JSON codec (extract/driver/codec.ml) from the schema.

The types, their order and the aliases come from the extracted `.mli`
(parsed with `pyspec.parsing.ocaml`); the Coq sources, when given, add the
constructor argument names (for readable variables) and the file each type
is defined in (for section headings).  The template is
`templates/codec.ml.j2`; this module computes what it lays out: decoder and
encoder expressions per type, variable names, and the line wrapping of the
arity lists (filled to 90 columns) and encoder cases (broken after `->`
beyond 96 columns), as in the driver's hand-written original, and the record a
reader builds (one field a line beyond 96 columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from .schema import Alias, InductiveType, RecordType, Schema, SchemaError, TypeExpr

TEMPLATES = Path(__file__).with_name("templates")
LIST_MARGIN = 90
CASE_MARGIN = 96
# Types whose codecs the template writes by hand (the finite map and the
# association list have their own JSON form, an array of [key, value] pairs
# with distinct keys).
BASE_CODECS = frozenset({"nat", "bool", "option", "list", "map", "alist"})
# Names a generated decoder or reader already uses: `path`, `j`, `c`, `st`, `lb`,
# `a1`... and the reader's helpers.
RESERVED = frozenset({"path", "j", "c", "x", "fields", "ok", "error", "st", "lb", "name", "ref",
                      "raise", "once", "given", "read_record", "read_constructor", "read_arg",
                      "read_end"})
OCAML_KEYWORDS = frozenset(
    "and as assert asr begin class constraint do done downto else end exception external false for "
    "fun function functor if in include inherit initializer land lazy let lor lsl lsr lxor match method "
    "mod module mutable new nonrec object of open or private rec sig struct then to true try type val "
    "virtual when while with".split())


class CodecError(Exception):
    """A type the JSON format of docs/protocol.md cannot encode."""


def _check_encodable(t: TypeExpr, known: set[str]) -> None:
    if t.head not in BASE_CODECS and t.head not in known:
        raise CodecError(f"no JSON codec for type {t}")
    for a in t.args:
        _check_encodable(a, known)


def decoder(t: TypeExpr) -> str:
    """`list_of_json vadd_of_json`: the decoder of `t`, applied to its parameters' decoders."""
    return " ".join([f"{t.head}_of_json"] + [_paren(decoder(a)) for a in t.args])


def reader(t: TypeExpr) -> str:
    """`read_list read_vadd`: the lexer-level reader of `t`, applied to its parameters' readers."""
    return " ".join([f"read_{t.head}"] + [_paren(reader(a)) for a in t.args])


def encoder(t: TypeExpr) -> str:
    return " ".join([f"json_of_{t.head}"] + [_paren(encoder(a)) for a in t.args])


def _paren(code: str) -> str:
    return f"({code})" if " " in code else code


def _variable(name: str | None, index: int, taken: set[str]) -> str:
    """A variable for argument `index` (1-based): the Coq name when it is safe."""
    var = name if name and name[0].islower() else f"x{index}"
    if var in RESERVED or var in OCAML_KEYWORDS or (var[0] == "a" and var[1:].isdigit()):
        var = var + "_"
    while var in taken:
        var = var + "'"
    taken.add(var)
    return var


def _wrap_list(head: str, items: list[str]) -> str:
    """`head [ i1; i2 ]` on one line if it fits, else filled under `head`."""
    one = f"{head} [ " + "; ".join(items) + " ]"
    if len(one) <= LIST_MARGIN:
        return one
    lines: list[str] = []
    current = "  [ "
    for i, item in enumerate(items):
        piece = item + (" ]" if i == len(items) - 1 else ";")
        if current.strip() not in ("[", "") and len(current) + 1 + len(piece) > LIST_MARGIN:
            lines.append(current)
            current = "    " + piece
        else:
            current += ("" if current.endswith("[ ") else " ") + piece
    lines.append(current)
    return head + "\n" + "\n".join(lines)


def _encode_case(prefix: str, rhs: str) -> str:
    line = f"{prefix} -> {rhs}"
    return line if len(line) <= CASE_MARGIN else f"{prefix} ->\n      {rhs}"


@dataclass
class _Section:
    title: str
    types: list[dict[str, Any]] = field(default_factory=list)


def _record_context(t: RecordType, module: str) -> dict[str, Any]:
    fields = []
    taken: set[str] = set()
    for i, f in enumerate(t.fields, 1):
        dec = decoder(f.type)
        fields.append({
            "name": f.name,
            "decode_line": f"  let* {f.name} = decode_field {_paren(dec)} path fields \"{f.name}\" in",
            "encoder": encoder(f.type),
            "var": _variable(f.name, i, taken),  # the slot the reader fills
            "reader": reader(f.type),
        })
    names = "[ " + "; ".join(f'"{f.name}"' for f in t.fields) + " ]"
    given = [f"{module + '.' if i == 0 else ''}{f['name']} = given {f['var']}" for i, f in enumerate(fields)]
    given_line = "  { " + "; ".join(given) + " }"
    if len(given_line) > CASE_MARGIN:
        given_line = "  { " + ";\n    ".join(given) + " }"
    return {"kind": "record", "name": t.name, "fields": fields, "field_names": [f.name for f in t.fields],
            "names_line": f"let {t.name}_fields = {names}", "given_line": given_line}


def _inductive_context(t: InductiveType, module: str, names: dict[str, tuple[str | None, ...]]) -> dict[str, Any]:
    constructors = []
    for c in t.constructors:
        taken: set[str] = set()
        arg_names = names.get(c.name, ())
        args = []
        for i, a in enumerate(c.args, 1):
            var = _variable(arg_names[i - 1] if i - 1 < len(arg_names) else None, i, taken)
            args.append({"var": var, "decoder": decoder(a), "encoder": encoder(a), "slot": f"a{i}",
                         "reader_arg": _paren(reader(a))})
        vars_ = [a["var"] for a in args]
        pattern = vars_[0] if len(vars_) == 1 else "(" + ", ".join(vars_) + ")"
        if args:
            items = [f'`String "{c.name}"'] + [f"{a['encoder']} {a['var']}" for a in args]
            case = _encode_case(f"  | {module}.{c.name} {pattern}", "`List [ " + "; ".join(items) + " ]")
        else:
            case = _encode_case(f"  | {module}.{c.name}", f'`String "{c.name}"')
        constructors.append({"name": c.name, "args": args, "slots": [a["slot"] for a in args],
                             "pattern": pattern, "encode_case": case})
    arities = [f'("{c.name}", {len(c.args)})' for c in t.constructors]
    return {"kind": "inductive", "name": t.name, "constructors": constructors,
            "arities_line": _wrap_list(f"let {t.name}_arities =", arities)}


def _alias_groups(ocaml: Schema, coq: Schema | None) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for name, alias in ocaml.aliases.items():
        if name in BASE_CODECS:
            continue
        if alias.params or alias.body.args or alias.body.head not in BASE_CODECS:
            raise CodecError(f"alias {name} = {alias.body}: only aliases of base types get codecs")
        origin = _origin_name(coq.aliases.get(name) if coq else None)
        groups.setdefault((alias.body.head, origin), []).append({"name": name, "target": alias.body.head})
    return [{"comment": f"The aliases of [{target}]" + (f" in {origin}." if origin else "."), "aliases": a}
            for (target, origin), a in groups.items()]


def _origin_name(x: Alias | InductiveType | RecordType | None) -> str:
    return Path(x.origin).name if x is not None and x.origin else ""


def _mentions(t: TypeExpr, aliases: dict[str, Alias]) -> set[str]:
    """The type names `t` uses, through aliases."""
    out = {t.head}
    if t.head in aliases:
        out |= _mentions(aliases[t.head].body, aliases)
    for a in t.args:
        out |= _mentions(a, aliases)
    return out


def _recursive_types(ocaml: Schema) -> set[str]:
    """The types that use themselves; mutual recursion is refused."""
    uses = {name: set().union(*(_mentions(e, ocaml.aliases) for e in _type_exprs(t))) & set(ocaml.types)
            for name, t in ocaml.types.items()}
    for name, direct in uses.items():
        reach, todo = set(), list(direct - {name})
        while todo:
            n = todo.pop()
            if n not in reach:
                reach.add(n)
                todo.extend(uses[n])
        if name in reach:
            cycle = sorted(n for n in reach if name in uses[n] or n == name)
            raise CodecError("mutually recursive types " + ", ".join(sorted({name, *cycle}))
                             + ": the generator handles only self-recursion")
    return {name for name, direct in uses.items() if name in direct}


def _type_exprs(t: InductiveType | RecordType) -> list[TypeExpr]:
    if isinstance(t, InductiveType):
        return [a for c in t.constructors for a in c.args]
    return [f.type for f in t.fields]


def render_codec(ocaml: Schema, module: str, coq: Schema | None = None) -> str:
    """The codec module for the types of `ocaml` (an extracted module named `module`)."""
    known = set(ocaml.types) | set(ocaml.aliases)
    for t in ocaml.types.values():
        for e in _type_exprs(t):
            _check_encodable(e, known)
        if t.params:
            raise CodecError(f"type {t.name} has parameters; the generator handles only closed types")
    recursive = _recursive_types(ocaml)
    sections: list[_Section] = []
    for name, t in ocaml.types.items():
        coq_type = coq.types.get(name) if coq else None
        if coq is not None and coq_type is None:
            raise SchemaError(f"type {name} of the extraction is not in the Coq sources")
        title = _origin_name(coq_type) or f"{module}"
        if not sections or sections[-1].title != title:
            sections.append(_Section(title))
        if isinstance(t, RecordType):
            context = _record_context(t, module)
        else:
            names = {c.name: c.arg_names for c in coq_type.constructors} if isinstance(coq_type, InductiveType) else {}
            context = _inductive_context(t, module, names)
        context["rec"] = "rec " if name in recursive else ""
        sections[-1].types.append(context)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    text = env.get_template("codec.ml.j2").render(
        module=module, alias_groups=_alias_groups(ocaml, coq), sections=sections)
    return text
