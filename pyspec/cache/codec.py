"""JSON for the cache variant's types, in the format of docs/protocol.md.

Records are objects with the Coq field names, ``access_obs`` is its
constructor name, an ``option`` is ``null`` or the value.  The base model's
parts (state, page, outcome) go through ``pyspec.codec``; errors are
``pyspec.codec.CodecError`` with the JSON path of the offending value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspec import codec
from pyspec.codec import CodecError, Json
from pyspec.model import IntMap
from pyspec.reflect import NAT_BOUND

from .model import AccessObs, CacheConfig, CResult, CState


def encode(value: object) -> Json:
    """The JSON data of a cache-variant value (or of any base model value)."""
    if isinstance(value, CacheConfig):
        return {"cache_size": value.cache_size, "tlb_size": value.tlb_size,
                "flush_on_switch": value.flush_on_switch}
    if isinstance(value, CState):
        return {"hv": codec.encode(value.hv), "cache": codec.encode_alist(value.cache),
                "tlb": codec.encode_alist(value.tlb)}
    if isinstance(value, AccessObs):
        return value.value
    if isinstance(value, CResult):
        return {"cresponse": codec.encode(value.cresponse),
                "observation": encode(value.observation) if value.observation else None,
                "cresult_state": encode(value.cresult_state)}
    return codec.encode(value)


def _fields(data: Json, path: str, name: str, names: tuple[str, ...]) -> dict[str, Json]:
    if not isinstance(data, dict):
        raise CodecError(path, f"a {name} object with fields {list(names)}", type(data).__name__)
    for key in data:
        if key not in names:
            raise CodecError(f"{path}.{key}", f"only the fields {list(names)} of {name}",
                             f"unknown field {key!r}")
    for key in names:
        if key not in data:
            raise CodecError(f"{path}.{key}", f"the field {key!r} of {name}",
                             "no such field (missing)")
    return data


def _nat(data: Json, path: str) -> int:
    if type(data) is not int or data < 0 or data >= NAT_BOUND:
        raise CodecError(path, "a natural number below 2^62", repr(data))
    return data


def _bool(data: Json, path: str) -> bool:
    if not isinstance(data, bool):
        raise CodecError(path, "a boolean", repr(data))
    return data


def _map(value: Callable[[Json, str], Any], data: Json, path: str) -> IntMap:
    if not isinstance(data, list):
        raise CodecError(path, "a map: an array of [key, value] pairs", type(data).__name__)
    items: dict[int, Any] = {}
    for i, pair in enumerate(data):
        here = f"{path}[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise CodecError(here, "a [key, value] pair")
        key = _nat(pair[0], f"{here}[0]")
        if key in items:
            raise CodecError(f"{here}[0]", "distinct map keys", f"repeated key {key}")
        items[key] = value(pair[1], f"{here}[1]")
    return IntMap(items)


def decode_config(data: Json, path: str = "$") -> CacheConfig:
    f = _fields(data, path, "cache_config", ("cache_size", "tlb_size", "flush_on_switch"))
    return CacheConfig(_nat(f["cache_size"], f"{path}.cache_size"),
                       _nat(f["tlb_size"], f"{path}.tlb_size"),
                       _bool(f["flush_on_switch"], f"{path}.flush_on_switch"))


def decode_cstate(data: Json, path: str = "$") -> CState:
    f = _fields(data, path, "cstate", ("hv", "cache", "tlb"))
    return CState(codec.decode("state", f["hv"], f"{path}.hv"),
                  _map(lambda d, p: codec.decode("page", d, p), f["cache"], f"{path}.cache"),
                  _map(_nat, f["tlb"], f"{path}.tlb"))


def decode_observation(data: Json, path: str = "$") -> AccessObs | None:
    if data is None:
        return None
    try:
        return AccessObs(data)
    except (ValueError, TypeError):
        names = ", ".join(f'"{m.value}"' for m in AccessObs)
        raise CodecError(path, f"null or one of {names}", repr(data)) from None


def decode_cresult(data: Json, path: str = "$") -> CResult:
    f = _fields(data, path, "cresult", ("cresponse", "observation", "cresult_state"))
    return CResult(codec.decode("outcome", f["cresponse"], f"{path}.cresponse"),
                   decode_observation(f["observation"], f"{path}.observation"),
                   decode_cstate(f["cresult_state"], f"{path}.cresult_state"))
