"""The schema of pyspec's data model (`pyspec.model`), for the drift check.

`pyspec.model` mirrors the Coq types mechanically (see its docstring): an
Enum per all-nullary inductive, a dataclass with `TAG` per constructor, a
dataclass with `COQ_NAME` per record.  This module reads that mirror back
into a `Schema`, so `diff_schemas` can compare it with the Coq sources on
names, arity, field order, argument names and argument types.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from types import ModuleType
from typing import Any

from .schema import Constructor, InductiveType, RecordField, RecordType, Schema, SchemaError, TypeExpr


def _python_type(t: Any, model: ModuleType, names: dict[int, str]) -> TypeExpr:
    """Translate a resolved Python annotation into the schema's type language."""
    if t is int:
        return TypeExpr("nat")
    if t is bool:
        return TypeExpr("bool")
    if id(t) in names:
        return TypeExpr(names[id(t)])
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) < len(args):  # `X | None`
            inner = members[0] if len(members) == 1 else typing.Union[tuple(members)]
            return TypeExpr("option", (_python_type(inner, model, names),))
        for coq_name, py in model.COQ_TYPES.items():
            if typing.get_origin(py) in (typing.Union, types.UnionType) and set(typing.get_args(py)) == set(args):
                return TypeExpr(coq_name)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return TypeExpr("list", (_python_type(args[0], model, names),))
    if origin is model.IntMap:
        return TypeExpr("list", (TypeExpr("prod", (TypeExpr("nat"), _python_type(args[0], model, names))),))
    raise SchemaError(f"pyspec type {t!r} has no Coq counterpart")


def _fields(cls: type, model: ModuleType, names: dict[int, str]) -> list[tuple[str, TypeExpr]]:
    hints = typing.get_type_hints(cls, vars(model))
    return [(f.name, _python_type(hints[f.name], model, names)) for f in dataclasses.fields(cls)]


def python_schema(model: ModuleType) -> Schema:
    """The schema of a module laid out like `pyspec.model`."""
    names: dict[int, str] = {}
    for coq_name, py in model.COQ_TYPES.items():
        names[id(py)] = coq_name
    out: dict[str, InductiveType | RecordType] = {}
    for coq_name, enum in model.ENUMS.items():
        assert issubclass(enum, Enum)
        out[coq_name] = InductiveType(coq_name, 0, tuple(Constructor(m.name, ()) for m in enum), model.__name__)
    for coq_name, classes in model.INDUCTIVES.items():
        ctors = []
        for cls in classes:
            tag = getattr(cls, "TAG", None)
            if tag is None:
                raise SchemaError(f"pyspec class {cls.__name__} of {coq_name} has no TAG")
            fields = _fields(cls, model, names)
            ctors.append(Constructor(tag, tuple(t for _, t in fields), tuple(n for n, _ in fields)))
        out[coq_name] = InductiveType(coq_name, 0, tuple(ctors), model.__name__)
    for coq_name, cls in model.RECORDS.items():
        fields = _fields(cls, model, names)
        out[coq_name] = RecordType(coq_name, 0, tuple(RecordField(n, t) for n, t in fields), model.__name__)
    return Schema(out, {}, "pyspec")


def pyspec_schema(base: ModuleType | None = None) -> Schema:
    """The schema of pyspec's whole data model: `base` (default `pyspec.model`)
    and the cache variant's `pyspec.cache.model`."""
    from pyspec import model
    from pyspec.cache import model as cache_model

    schema = python_schema(base or model)
    cache = python_schema(cache_model)
    return Schema({**schema.types, **cache.types}, {}, schema.source)
