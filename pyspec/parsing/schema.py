"""The model's schema (its data types), read from Coq sources or extracted OCaml.

A schema lists the inductive types (constructors with argument types) and
records (fields with types) of the model.  Types are written in one small
language on both sides, `TypeExpr`, with Coq's names: aliases are resolved
(`vadd = nat`, `alist V = list (nat * V)`), the OCaml types that extraction
directives put for Coq ones are mapped back (`int` is `nat` under
ExtrOcamlNatInt, a pair is `prod`), and type parameters are numbered ('a1,
'a2, ...) so that Coq's `(V : Type)` and OCaml's `'v` agree.  Propositions
(inductives or records in `Prop`) carry no data and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from . import gallina_ast as G
from . import ocaml_ast as O
from .errors import ParseError
from .gallina import parse_gallina_file, parse_gallina_term
from .ocaml import parse_ocaml_file

# The OCaml types that ExtrOcamlBasic and ExtrOcamlNatInt put for Coq's.
OCAML_REALISATIONS: dict[str, str] = {
    "int": "nat", "bool": "bool", "list": "list", "option": "option", "unit": "unit",
}
BASE_TYPES = frozenset({"nat", "bool", "list", "option", "prod", "unit", "->"})
DATA_SORTS = frozenset({"Type", "Set"})

# Types of the extraction that are not the model's: the indexes a long run keeps
# from step to step (coq/StepIndex.v).  No request or answer carries one, so they
# have no JSON form and no pyspec counterpart.  (The decision procedures' one
# index, coq/MapIndex.v's inverse maps, is typed with the model's `map` and needs
# no entry.)
INDEX_TYPES = frozenset({"index", "mappers"})

# The Coq files that define the model (coq/_CoqProject's model part).
MODEL_FILES = ("AList.v", "Maps.v", "Model.v", "Actions.v", "Errors.v", "Valid.v", "Pre.v", "Post.v",
               "ErrorMsg.v", "Semantics.v", "Step.v", "ValidDec.v", "CacheModel.v", "CacheStep.v")


class SchemaError(Exception):
    """A type the schema language cannot express, or an alias cycle."""


@dataclass(frozen=True, slots=True)
class TypeExpr:
    """A type: a head (type name or a numbered parameter 'aN) and its arguments."""

    head: str
    args: tuple[TypeExpr, ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.head
        if self.head == "->":
            return f"{_paren(self.args[0], arrow=True)} -> {self.args[1]}"
        return self.head + " " + " ".join(_paren(a) for a in self.args)


def _paren(t: TypeExpr, arrow: bool = False) -> str:
    return f"({t})" if t.args else str(t)


@dataclass(frozen=True, slots=True)
class Constructor:
    name: str
    args: tuple[TypeExpr, ...]
    arg_names: tuple[str | None, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class InductiveType:
    name: str
    params: int
    constructors: tuple[Constructor, ...]
    origin: str = field(default="", compare=False)  # the file that defines it


@dataclass(frozen=True, slots=True)
class RecordField:
    name: str
    type: TypeExpr


@dataclass(frozen=True, slots=True)
class RecordType:
    name: str
    params: int
    fields: tuple[RecordField, ...]
    origin: str = field(default="", compare=False)


SchemaType = Union[InductiveType, RecordType]


@dataclass(frozen=True, slots=True)
class Alias:
    params: int
    body: TypeExpr
    origin: str = field(default="", compare=False)


# The model's finite maps (coq/Maps.v) are binary tries, a representation the data model
# does not see: in requests and answers a map is an array of [key, value] pairs with
# distinct keys, as the cache's association lists (`AList.alist`) are.  So both readers
# skip the trie's constructors and read `map V` as that form.
MAP_TYPE = "map"
MAP_FORM = Alias(1, TypeExpr("list", (TypeExpr("prod", (TypeExpr("nat"), TypeExpr("'a1"))),)))


@dataclass(frozen=True)
class Schema:
    """The data types by name, in source order, with the aliases they use.

    Types are kept as written (`vadd`, `map madd`); `resolved()` expands the
    aliases, and that form is what `to_json` prints and `diff_schemas` compares.
    """

    types: dict[str, SchemaType]
    aliases: dict[str, Alias] = field(default_factory=dict)
    source: str = field(default="", compare=False)

    def resolved(self) -> Schema:
        return _resolved(self.types.values(), self.aliases, self.source)

    def to_json(self) -> dict[str, Any]:
        resolved = self.resolved()
        out = []
        for name in sorted(resolved.types):
            t = resolved.types[name]
            if isinstance(t, InductiveType):
                out.append({"name": name, "kind": "inductive", "params": t.params,
                            "constructors": [{"name": c.name, "args": [str(a) for a in c.args]}
                                             for c in t.constructors]})
            else:
                out.append({"name": name, "kind": "record", "params": t.params,
                            "fields": [{"name": f.name, "type": str(f.type)} for f in t.fields]})
        return {"types": out}


# ---- alias resolution -------------------------------------------------------------


def _resolve(t: TypeExpr, aliases: Mapping[str, Alias], seen: tuple[str, ...] = ()) -> TypeExpr:
    args = tuple(_resolve(a, aliases, seen) for a in t.args)
    alias = aliases.get(t.head)
    if alias is None:
        return TypeExpr(t.head, args)
    if t.head in seen:
        raise SchemaError("alias cycle: " + " -> ".join(seen + (t.head,)))
    if len(args) != alias.params:
        raise SchemaError(f"alias {t.head} takes {alias.params} argument(s), given {len(args)}")
    body = _substitute(alias.body, {f"'a{i + 1}": a for i, a in enumerate(args)})
    return _resolve(body, aliases, seen + (t.head,))


def _substitute(t: TypeExpr, env: Mapping[str, TypeExpr]) -> TypeExpr:
    if t.head in env and not t.args:
        return env[t.head]
    return TypeExpr(t.head, tuple(_substitute(a, env) for a in t.args))


def _resolved(types: Iterable[SchemaType], aliases: Mapping[str, Alias], source: str) -> Schema:
    out: dict[str, SchemaType] = {}
    for t in types:
        if isinstance(t, InductiveType):
            out[t.name] = InductiveType(t.name, t.params, tuple(
                Constructor(c.name, tuple(_resolve(a, aliases) for a in c.args), c.arg_names)
                for c in t.constructors), t.origin)
        else:
            out[t.name] = RecordType(t.name, t.params, tuple(
                RecordField(f.name, _resolve(f.type, aliases)) for f in t.fields), t.origin)
    _check_closed(out, source)
    return Schema(out, {}, source)


def _check_closed(types: Mapping[str, SchemaType], source: str) -> None:
    """Every type mentioned is a base type, a parameter, or defined here."""
    def check(t: TypeExpr, where: str) -> None:
        if t.head not in BASE_TYPES and t.head not in types and not t.head.startswith("'"):
            raise SchemaError(f"{source}: {where} uses type {t.head}, which is neither defined "
                              "nor a base type")
        for a in t.args:
            check(a, where)
    for t in types.values():
        if isinstance(t, InductiveType):
            for c in t.constructors:
                for a in c.args:
                    check(a, f"constructor {c.name}")
        else:
            for f in t.fields:
                check(f.type, f"field {t.name}.{f.name}")


# ---- from Coq -----------------------------------------------------------------------


def _coq_type(term: G.Term, params: Mapping[str, str]) -> TypeExpr:
    """Read a Coq type term (Notation-free, plus `A * B` and `%type`)."""
    if isinstance(term, G.Ref):
        name = term.name.rsplit(".", 1)[-1]
        return TypeExpr(params.get(name, name))
    if isinstance(term, G.App) and isinstance(term.func, G.Ref):
        head = _coq_type(term.func, params)
        return TypeExpr(head.head, tuple(_coq_type(a, params) for a in term.args))
    if isinstance(term, G.Scoped) and term.scope == "type":
        return _coq_type(term.term, params)
    if isinstance(term, G.Arrow):
        return TypeExpr("->", (_coq_type(term.dom, params), _coq_type(term.cod, params)))
    if isinstance(term, G.Notation) and _is_product(term.parts):
        items = [_coq_type(p, params) for p in term.parts[::2]]
        result = items[0]
        for item in items[1:]:  # `*` associates to the left in type_scope
            result = TypeExpr("prod", (result, item))
        return result
    raise SchemaError(f"cannot read {type(term).__name__} as a data type")


def _is_product(parts: tuple[Any, ...]) -> bool:
    return (len(parts) >= 3 and len(parts) % 2 == 1
            and all(p == "*" for p in parts[1::2])
            and not any(isinstance(p, str) for p in parts[::2]))


def _is_sort(term: G.Term | None) -> bool:
    return term is None or (isinstance(term, G.Ref) and term.name in DATA_SORTS)


def _param_names(binders: tuple[G.AnyBinder, ...]) -> list[str] | None:
    """The names of type parameters `(A B : Type)`, or None if some binder is not one."""
    names: list[str] = []
    for b in binders:
        if not isinstance(b, G.Binder) or b.value is not None or not _is_sort(b.type) or b.type is None:
            return None
        names.extend(b.names)
    return names


def _numbered(names: list[str]) -> dict[str, str]:
    return {n: f"'a{i + 1}" for i, n in enumerate(names)}


def _constructor_args(c: G.Constructor, params: Mapping[str, str]) -> tuple[list[TypeExpr], list[str | None]]:
    args: list[TypeExpr] = []
    names: list[str | None] = []

    def bind(binders: tuple[G.AnyBinder, ...]) -> None:
        for b in binders:
            if not isinstance(b, G.Binder) or b.type is None:
                raise SchemaError(f"constructor {c.name}: binder without a type")
            for n in b.names:
                args.append(_coq_type(b.type, params))
                names.append(n)

    bind(c.binders)
    ty = c.type
    while ty is not None:
        if isinstance(ty, G.Forall):
            bind(ty.binders)
            ty = ty.body
        elif isinstance(ty, G.Arrow):
            args.append(_coq_type(ty.dom, params))
            names.append(None)
            ty = ty.cod
        else:
            break
    return args, names


def schema_from_gallina(docs: Iterable[G.Document], source: str = "coq") -> Schema:
    types: list[SchemaType] = []
    aliases: dict[str, Alias] = {}
    for doc in docs:
        for d in doc.declarations:
            if isinstance(d, G.Inductive):
                for body in d.bodies:
                    if body.name == MAP_TYPE:
                        aliases[MAP_TYPE] = Alias(MAP_FORM.params, MAP_FORM.body, doc.path)
                        continue
                    names = _param_names(body.params)
                    if names is None or not _is_sort(body.arity):
                        continue  # a predicate or an indexed family: no data
                    params = _numbered(names)
                    ctors = []
                    for c in body.constructors:
                        args, arg_names = _constructor_args(c, params)
                        ctors.append(Constructor(c.name, tuple(args), tuple(arg_names)))
                    types.append(InductiveType(body.name, len(names), tuple(ctors), doc.path))
            elif isinstance(d, G.Record) and d.kind != "Class":
                names = _param_names(d.params)
                if names is None or not _is_sort(d.sort):
                    continue
                params = _numbered(names)
                fields = []
                for f in d.fields:
                    if f.type is None or f.binders:
                        raise SchemaError(f"record {d.name}: field {f.name} has no plain type")
                    fields.append(RecordField(f.name, _coq_type(f.type, params)))
                types.append(RecordType(d.name, len(names), tuple(fields), doc.path))
            elif isinstance(d, G.Definition) and d.body is not None:
                alias = _coq_alias(d)
                if alias is not None:
                    aliases[d.name] = Alias(alias.params, alias.body, doc.path)
    schema = Schema({t.name: t for t in types}, aliases, source)
    schema.resolved()  # fail now on an unknown type or an alias cycle
    return schema


def _coq_alias(d: G.Definition) -> Alias | None:
    """`Definition vadd := nat.` or `Definition map (V : Type) := list (nat * V).`"""
    names = _param_names(d.binders)
    if names is None or not _is_sort(d.type) or d.body is None:
        return None
    try:
        body = _coq_type(parse_gallina_term(d.body), _numbered(names))
    except (ParseError, SchemaError):
        return None  # a value, not a type
    return Alias(len(names), body)


def schema_from_coq(paths: Iterable[str | Path]) -> Schema:
    paths = list(paths)
    return schema_from_gallina((parse_gallina_file(p) for p in paths),
                               "coq:" + ",".join(Path(p).name for p in paths))


# ---- from OCaml ----------------------------------------------------------------------


def _ocaml_type(t: O.Type, params: Mapping[str, str]) -> TypeExpr:
    if isinstance(t, O.TVar):
        if t.name not in params:
            raise SchemaError(f"unbound type variable {t.name}")
        return TypeExpr(params[t.name])
    if isinstance(t, O.TConstr):
        name = t.name.rsplit(".", 1)[-1]
        return TypeExpr(OCAML_REALISATIONS.get(name, name), tuple(_ocaml_type(a, params) for a in t.args))
    if isinstance(t, O.TTuple):
        items = [_ocaml_type(i, params) for i in t.items]
        result = items[0]
        for item in items[1:]:
            result = TypeExpr("prod", (result, item))
        return result
    return TypeExpr("->", (_ocaml_type(t.arg, params), _ocaml_type(t.result, params)))


def schema_from_ocaml_modules(modules: Iterable[O.Module], source: str = "ocaml") -> Schema:
    """The types declared at the top level of extracted modules (but `INDEX_TYPES`)."""
    types: list[SchemaType] = []
    aliases: dict[str, Alias] = {}
    seen: set[str] = set()
    for module in modules:
        for item in module.items:
            if not isinstance(item, O.TypeDecl):
                continue
            for td in item.defs:
                if td.name in seen or td.name == "__" or td.name in INDEX_TYPES:
                    continue  # .ml and .mli repeat the types
                seen.add(td.name)
                params = _numbered(list(td.params))
                kind = td.kind
                if td.name == MAP_TYPE:
                    aliases[MAP_TYPE] = MAP_FORM
                elif isinstance(kind, O.Alias):
                    aliases[td.name] = Alias(len(td.params), _ocaml_type(kind.type, params))
                elif isinstance(kind, O.Variant):
                    types.append(InductiveType(td.name, len(td.params), tuple(
                        Constructor(c.name, tuple(_ocaml_type(a, params) for a in c.args))
                        for c in kind.constructors), module.path))
                elif isinstance(kind, O.RecordDecl):
                    types.append(RecordType(td.name, len(td.params), tuple(
                        RecordField(f.name, _ocaml_type(f.type, params)) for f in kind.fields), module.path))
    schema = Schema({t.name: t for t in types}, aliases, source)
    schema.resolved()
    return schema


def schema_from_ocaml(paths: Iterable[str | Path]) -> Schema:
    paths = list(paths)
    return schema_from_ocaml_modules((parse_ocaml_file(p) for p in paths),
                                     "ocaml:" + ",".join(Path(p).name for p in paths))


# ---- comparing ------------------------------------------------------------------------


def diff_schemas(a: Schema, b: Schema) -> list[str]:
    """Differences between two schemas (aliases resolved), one precise line each."""
    a, b = a.resolved(), b.resolved()
    out: list[str] = []
    for name in sorted(set(a.types) | set(b.types)):
        ta, tb = a.types.get(name), b.types.get(name)
        if ta is None or tb is None:
            present, absent = (a, b) if tb is None else (b, a)
            out.append(f"type {name}: defined in {present.source}, missing from {absent.source}")
        elif type(ta) is not type(tb):
            out.append(f"type {name}: {_kind(ta)} in {a.source}, {_kind(tb)} in {b.source}")
        else:
            if ta.params != tb.params:
                out.append(f"type {name}: {ta.params} parameter(s) in {a.source}, {tb.params} in {b.source}")
            if isinstance(ta, InductiveType):
                out.extend(_diff_constructors(name, ta, tb, a.source, b.source))  # type: ignore[arg-type]
            else:
                out.extend(_diff_fields(name, ta, tb, a.source, b.source))  # type: ignore[arg-type]
    return out


def _kind(t: SchemaType) -> str:
    return "an inductive" if isinstance(t, InductiveType) else "a record"


def _diff_order(what: str, names_a: list[str], names_b: list[str], sa: str, sb: str) -> list[str]:
    out = []
    for n in names_a:
        if n not in names_b:
            out.append(f"{what}: {n} in {sa}, missing from {sb}")
    for n in names_b:
        if n not in names_a:
            out.append(f"{what}: {n} in {sb}, missing from {sa}")
    common_a = [n for n in names_a if n in names_b]
    common_b = [n for n in names_b if n in names_a]
    if common_a != common_b:
        out.append(f"{what}: order differs: {sa} has {', '.join(common_a)}; {sb} has {', '.join(common_b)}")
    return out


def _diff_constructors(name: str, ta: InductiveType, tb: InductiveType, sa: str, sb: str) -> list[str]:
    out = _diff_order(f"type {name} constructors", [c.name for c in ta.constructors],
                      [c.name for c in tb.constructors], sa, sb)
    cb = {c.name: c for c in tb.constructors}
    for c in ta.constructors:
        d = cb.get(c.name)
        if d is None:
            continue
        where = f"constructor {name}.{c.name}"
        if len(c.args) != len(d.args):
            out.append(f"{where}: {len(c.args)} argument(s) in {sa}, {len(d.args)} in {sb}")
            continue
        for i, (x, y) in enumerate(zip(c.args, d.args), 1):
            if x != y:
                out.append(f"{where}: argument {i} has type {x} in {sa}, {y} in {sb}")
        for i, (x, y) in enumerate(zip(c.arg_names, d.arg_names), 1):
            if x is not None and y is not None and x != y:
                out.append(f"{where}: argument {i} is named {x} in {sa}, {y} in {sb}")
    return out


def _diff_fields(name: str, ta: RecordType, tb: RecordType, sa: str, sb: str) -> list[str]:
    out = _diff_order(f"record {name} fields", [f.name for f in ta.fields], [f.name for f in tb.fields], sa, sb)
    fb = {f.name: f for f in tb.fields}
    for f in ta.fields:
        g = fb.get(f.name)
        if g is not None and f.type != g.type:
            out.append(f"field {name}.{f.name}: type {f.type} in {sa}, {g.type} in {sb}")
    return out
