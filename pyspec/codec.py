"""The JSON codec of docs/protocol.md, for every model type.

``encode(value)`` turns a model value into plain JSON data (dicts, lists, ints,
strings, None); ``decode(kind, data)`` does the reverse for ``kind``, a model class,
Enum or union (``State``, ``Action``, ``HyperCall``...) or a Coq type name
(``"state"``).  ``dumps``/``loads`` add the text layer.  Decoding is strict: any
malformed document raises ``CodecError``, whose ``path`` is the JSON path of the
offending field (``$.mem[2][1].owner``) and whose message says what was expected.
Round trips are exact: ``decode(k, encode(v)) == v``.  A map is encoded in ascending
key order, the order of the driver's answers (Coq's maps are tries, docs/protocol.md);
the cache variant's association lists keep theirs (``encode_alist``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from pyspec import model, reflect
from pyspec.model import Action, Context, IntMap, State
from pyspec.reflect import (
    NAT_BOUND, EnumRef, InductiveRef, ListOf, MapOf, Nat, Option, RecordRef, Shape,
)

Json = Any


class CodecError(ValueError):
    """A JSON document does not have the shape of the expected model value."""

    def __init__(self, path: str, expected: str, got: str | None = None) -> None:
        self.path = path
        self.expected = expected
        detail = f"expected {expected}" + (f", got {got}" if got is not None else "")
        super().__init__(f"at {path}: {detail}")


def _describe(data: Json) -> str:
    text = json.dumps(data) if _is_json_scalar(data) else type(data).__name__
    if isinstance(data, list):
        text = f"an array of length {len(data)}"
    elif isinstance(data, dict):
        text = "an object"
    return text if len(text) <= 60 else text[:57] + "..."


def _is_json_scalar(data: Json) -> bool:
    return data is None or isinstance(data, (bool, int, float, str))


# --- encoding ------------------------------------------------------------------


def encode(value: object) -> Json:
    """The JSON data of a model value."""
    return _encoder(type(value))(value)


@cache
def _encoder(t: type) -> Callable[[Any], Json]:
    """The encoder of the values of type ``t``: how a value is encoded depends
    on its type alone, so the type tests are made once per type, not per value."""
    if issubclass(t, int) or t is type(None):
        return _itself
    if issubclass(t, Enum):
        return _enum_value
    if issubclass(t, IntMap):
        return _encode_map
    if issubclass(t, tuple):
        return _encode_tuple
    tag = getattr(t, "TAG", None)
    names = tuple(f.name for f in reflect.fields_of(t))
    if tag is not None:
        if not names:
            return lambda value: tag
        return lambda value: [tag, *(encode(getattr(value, n)) for n in names)]
    if getattr(t, "COQ_NAME", None) is not None:
        return lambda value: {n: encode(getattr(value, n)) for n in names}
    return _not_model


def _itself(value: Json) -> Json:
    return value


def _enum_value(value: Enum) -> Json:
    return value.value


def _encode_map(value: IntMap) -> Json:
    return [[k, encode(v)] for k, v in sorted(value.items())]


def encode_alist(value: IntMap) -> Json:
    """An association list (the cache and TLB, coq/AList.v): in its own order,
    which is its FIFO eviction order."""
    return [[k, encode(v)] for k, v in value.items()]


def _encode_tuple(value: tuple) -> Json:
    return [encode(v) for v in value]


def _not_model(value: object) -> Json:
    raise TypeError(f"not a model value: {value!r}")


# --- decoding ------------------------------------------------------------------

Decoder = Callable[[Json, str], Any]


def _decode_nat(data: Json, path: str) -> int:
    if type(data) is not int:
        raise CodecError(path, "a natural number (non-negative integer)", _describe(data))
    if data < 0:
        raise CodecError(path, "a natural number (non-negative integer)", str(data))
    if data >= NAT_BOUND:
        raise CodecError(path, "an integer below 2^62", str(data))
    return data


def _option(inner: Decoder) -> Decoder:
    def decode_option(data: Json, path: str) -> Any:
        return None if data is None else inner(data, path)

    return decode_option


def _list(inner: Decoder) -> Decoder:
    def decode_list(data: Json, path: str) -> tuple:
        if not isinstance(data, list):
            raise CodecError(path, "an array", _describe(data))
        return tuple(inner(x, f"{path}[{i}]") for i, x in enumerate(data))

    return decode_list


def _map(inner: Decoder) -> Decoder:
    def decode_map(data: Json, path: str) -> IntMap:
        if not isinstance(data, list):
            raise CodecError(path, "a map: an array of [key, value] pairs", _describe(data))
        items: dict[int, Any] = {}
        for i, pair in enumerate(data):
            here = f"{path}[{i}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise CodecError(here, "a [key, value] pair", _describe(pair))
            key = _decode_nat(pair[0], f"{here}[0]")
            if key in items:
                raise CodecError(f"{here}[0]", "distinct map keys", f"repeated key {key}")
            items[key] = inner(pair[1], f"{here}[1]")
        return IntMap(items)

    return decode_map


def _enum(enum: type[Enum]) -> Decoder:
    names = ", ".join(f'"{m.value}"' for m in enum)

    def decode_enum(data: Json, path: str) -> Enum:
        if isinstance(data, str):
            try:
                return enum(data)
            except ValueError:
                pass
        raise CodecError(path, f"one of {names}", _describe(data))

    return decode_enum


def _inductive(name: str) -> Decoder:
    ctors = {cls.TAG: cls for cls in model.INDUCTIVES[name]}
    nullary = {tag: cls() for tag, cls in ctors.items() if not reflect.fields_of(cls)}
    shaped = {
        tag: (cls, [(f.name, _decoder(f.shape)) for f in reflect.fields_of(cls)])
        for tag, cls in ctors.items() if tag not in nullary
    }
    article = "an" if name[0] in "aeiou" else "a"
    expected = f"{article} {name}: " + ", ".join(
        f'"{t}"' if t in nullary else f'["{t}", ...]' for t in ctors
    )

    def decode_inductive(data: Json, path: str) -> Any:
        if isinstance(data, str) and data in nullary:
            return nullary[data]
        if isinstance(data, str) and data in shaped:
            arity = len(shaped[data][1])
            raise CodecError(path, f'["{data}", ...] with {arity} argument(s)', _describe(data))
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            raise CodecError(path, expected, _describe(data))
        tag = data[0]
        if tag in nullary:
            raise CodecError(path, f'the string "{tag}" (a constructor without arguments)',
                             _describe(data))
        if tag not in shaped:
            raise CodecError(f"{path}[0]", f"a constructor of {name}", _describe(tag))
        cls, fields = shaped[tag]
        if len(data) != len(fields) + 1:
            raise CodecError(path, f'["{tag}", ...] with {len(fields)} argument(s)',
                             f"{len(data) - 1} argument(s)")
        args = [dec(x, f"{path}[{i}]")
                for i, ((_, dec), x) in enumerate(zip(fields, data[1:]), start=1)]
        return cls(*args)

    return decode_inductive


def _record(name: str) -> Decoder:
    cls = model.RECORDS[name]
    fields = [(f.name, _decoder(f.shape)) for f in reflect.fields_of(cls)]
    field_names = [n for n, _ in fields]

    def decode_record(data: Json, path: str) -> Any:
        if not isinstance(data, dict):
            raise CodecError(path, f"a {name} object with fields {field_names}",
                             _describe(data))
        for key in data:
            if key not in field_names:
                raise CodecError(f"{path}.{key}", f"only the fields {field_names} of {name}",
                                 f"unknown field {key!r}")
        values = []
        for fname, dec in fields:
            if fname not in data:
                raise CodecError(f"{path}.{fname}", f"the field {fname!r} of {name}",
                                 "no such field (missing)")
            values.append(dec(data[fname], f"{path}.{fname}"))
        return cls(*values)

    return decode_record


@cache
def _decoder(shape: Shape) -> Decoder:
    match shape:
        case Nat():
            return _decode_nat
        case Option(of):
            return _option(_decoder(of))
        case ListOf(of):
            return _list(_decoder(of))
        case MapOf(of):
            return _map(_decoder(of))
        case EnumRef(name):
            return _enum(model.ENUMS[name])
        case InductiveRef(name):
            return _inductive(name)
        case RecordRef(name):
            return _record(name)
    raise TypeError(f"unknown shape {shape!r}")


def _shape_of_kind(kind: object) -> Shape:
    if isinstance(kind, str):
        return reflect.shape_of_type(kind)
    return reflect.shape_of_python(kind)


def decode(kind: object, data: Json, path: str = "$") -> Any:
    """Decode JSON data as a value of ``kind``: a model type (record, Enum, union or
    a single constructor such as ``Write``) or a Coq type name (``"state"``)."""
    try:
        value = _decoder(_shape_of_kind(kind))(data, path)
    except RecursionError:
        raise CodecError(path, "a document of reasonable nesting depth") from None
    tag = getattr(kind, "TAG", None)
    if tag is not None and not isinstance(value, kind):  # type: ignore[arg-type]
        raise CodecError(path, f"the constructor {tag}", _describe(data))
    return value


def decode_list(kind: object, data: Json, path: str = "$") -> tuple:
    """Decode a JSON array whose elements are values of ``kind``."""
    return _decoder(ListOf(_shape_of_kind(kind)))(data, path)


# --- text ----------------------------------------------------------------------


def _strict_object(pairs: list[tuple[str, Json]]) -> dict[str, Json]:
    obj: dict[str, Json] = {}
    for key, val in pairs:
        if key in obj:
            raise _DuplicateField(key)
        obj[key] = val
    return obj


class _DuplicateField(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str, source: str = "input") -> Json:
    """Parse JSON text strictly (no NaN, no repeated object keys)."""
    try:
        return json.loads(text, object_pairs_hook=_strict_object,
                          parse_constant=_reject_constant)
    except _DuplicateField as dup:
        raise CodecError("$", f"an object without repeated fields in {source}",
                         f"field {dup.key!r} twice") from None
    except RecursionError:
        raise CodecError("$", f"a document of reasonable nesting depth in {source}") from None
    except ValueError as err:
        raise CodecError("$", f"well-formed JSON in {source}", str(err)) from None


def dumps(value: object) -> str:
    return json.dumps(encode(value), separators=(",", ":"))


def loads(kind: object, text: str) -> Any:
    return decode(kind, parse_json(text))


# --- documents of the command-line tools ---------------------------------------


@dataclass(frozen=True)
class StateDocument:
    """A state file: ``{"context": ..., "state": ...}`` or just a state."""

    context: Context | None
    state: State


def decode_state_document(data: Json) -> StateDocument:
    if isinstance(data, dict) and "state" in data:
        extra = sorted(set(data) - {"context", "state"})
        if extra:
            raise CodecError(f"$.{extra[0]}", 'only the fields "context" and "state"')
        ctx = decode(Context, data["context"], "$.context") if "context" in data else None
        return StateDocument(ctx, decode(State, data["state"], "$.state"))
    return StateDocument(None, decode(State, data))


def decode_actions(data: Json) -> tuple[Action, ...]:
    """An actions file: a JSON array of actions."""
    return decode_list(model.Action, data)
