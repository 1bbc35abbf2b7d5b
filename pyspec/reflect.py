"""The shape of every model type, read from the dataclass annotations of
`pyspec.model`.  The codec and the JSON Schema generator both walk these shapes,
so the wire format follows the data model mechanically.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache

from pyspec import model


@dataclass(frozen=True)
class Nat:
    """A Coq ``nat``: a non-negative int below 2^62."""


@dataclass(frozen=True)
class Option:
    of: "Shape"


@dataclass(frozen=True)
class ListOf:
    of: "Shape"


@dataclass(frozen=True)
class MapOf:
    """A ``Maps.map``: keys are nats."""

    of: "Shape"


@dataclass(frozen=True)
class EnumRef:
    """A Coq inductive whose constructors are all nullary."""

    name: str


@dataclass(frozen=True)
class InductiveRef:
    name: str


@dataclass(frozen=True)
class RecordRef:
    name: str


Shape = Nat | Option | ListOf | MapOf | EnumRef | InductiveRef | RecordRef

NAT_BOUND = 2**62


@dataclass(frozen=True)
class Field:
    name: str
    shape: Shape


@cache
def _union_names() -> dict[frozenset[type], str]:
    return {frozenset(ctors): name for name, ctors in model.INDUCTIVES.items()}


@cache
def _class_names() -> dict[type, str]:
    names: dict[type, str] = {cls: name for name, cls in model.RECORDS.items()}
    names.update({cls: name for name, cls in model.ENUMS.items()})
    return names


def shape_of(hint: object) -> Shape:
    """The shape of a resolved type hint of the model."""
    if hint is int:
        return Nat()
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        inner = members[0] if len(members) == 1 else _union_names()[frozenset(members)]
        inner_shape = shape_of(inner) if len(members) == 1 else InductiveRef(inner)
        return Option(inner_shape) if len(members) < len(args) else inner_shape
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return ListOf(shape_of(args[0]))
    if origin is model.IntMap:
        return MapOf(shape_of(args[0]))
    if isinstance(hint, type):
        if hint in _class_names():
            name = _class_names()[hint]
            return EnumRef(name) if issubclass(hint, Enum) else RecordRef(name)
        for name, ctors in model.INDUCTIVES.items():
            if hint in ctors:
                return InductiveRef(name)
    raise TypeError(f"no wire shape for type hint {hint!r}")


@cache
def fields_of(cls: type) -> tuple[Field, ...]:
    """The fields of a record or constructor class, in Coq order, with shapes."""
    hints = typing.get_type_hints(cls, vars(model))
    return tuple(Field(f.name, shape_of(hints[f.name])) for f in dataclasses.fields(cls))


def shape_of_type(name: str) -> Shape:
    """The shape of the Coq type called ``name``."""
    if name in model.ENUMS:
        return EnumRef(name)
    if name in model.INDUCTIVES:
        return InductiveRef(name)
    if name in model.RECORDS:
        return RecordRef(name)
    raise KeyError(f"unknown Coq type {name!r}")


def shape_of_python(cls: object) -> Shape:
    """The shape of a Python model type: a record, Enum, constructor or union."""
    for name, py in model.COQ_TYPES.items():
        if py == cls:
            return shape_of_type(name)
    return shape_of(cls)
