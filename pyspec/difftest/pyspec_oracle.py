"""Adapter over pyspec (engineer F's model, codec and semantics) in JSON terms.

Imported lazily by module name, so that a mutated copy of pyspec placed
first on `sys.path` is the one exercised (`vcert mutate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from pyspec import codec
from pyspec import semantics as sem
from pyspec.model import PT, RW, Hyp, IntMap, Mode, No_Owner, Os, OsActivity, OsInfo, Other, Page

from .jstate import Json


@dataclass
class PyStep:
    """One pyspec step: JSON response and state, plus the model state."""
    response: Json
    state: Json
    model: object


class PyspecOracle:
    name = "pyspec"

    def __init__(self) -> None:
        self._ctx_cache: dict[str, object] = {}
        self._encode_cache: dict[int, tuple[object, Json]] = {}
        self._action_cache: dict[bytes, object] = {}
        self._state_cache: dict[bytes, object] = {}
        self._bytes_cache: dict[int, tuple[object, bytes]] = {}         # maps, states
        self._entry_cache: dict[int, tuple[object, int, bytes]] = {}    # map entries
        self._response_cache: dict[object, Json] = {}
        self._action_json_cache: dict[object, Json] = {}

    def context(self, ctx: Json) -> object:
        key = repr(ctx)
        model = self._ctx_cache.get(key)
        if model is None:
            model = self._ctx_cache[key] = codec.decode("context", ctx)
        return model

    def state(self, state: Json) -> object:
        """`codec.decode("state", state)`, memoised by the state's bytes for the
        last few states (the paired runs decode each of their states twice)."""
        return _decode_memo(self._state_cache, 64, "state", state)

    def action(self, action: Json) -> object:
        return _decode_memo(self._action_cache, 100_000, "action", action)

    def action_json(self, action: object) -> Json:
        """`codec.encode` for actions (drawn from a bounded scope: memoised)."""
        cache = self._action_json_cache
        j = cache.get(action)
        if j is None:
            if len(cache) >= 100_000:
                cache.clear()
            j = cache[action] = codec.encode(action)
        return j

    def encode(self, value: object) -> Json:
        return codec.encode(value)

    def first_invalid(self, ctx: Json, state: Json) -> str | None:
        p = sem.first_invalid(self.context(ctx), self.state(state))
        return None if p is None else p.name

    def first_invalid_model(self, ctx_model: object, state_model: object) -> str | None:
        p = sem.first_invalid(ctx_model, state_model)
        return None if p is None else p.name

    def violated(self, ctx_model: object, state_model: object) -> set[str]:
        return {v.prop.name for v in sem.valid_state(ctx_model, state_model)}

    def step(self, ctx_model: object, state_model: object, action_model: object) -> PyStep:
        r = sem.step(ctx_model, state_model, action_model)
        return PyStep(codec.encode(r.response), self.encode_state(r.result_state),
                      r.result_state)

    def _encoded(self, value: object) -> Json:
        """`codec.encode`, memoised by object identity: persistent updates share
        the unchanged pages, guest records and physical maps between states."""
        cache = self._encode_cache
        hit = cache.get(id(value))
        if hit is None or hit[0] is not value:
            if len(cache) > 200_000:
                cache.clear()
            hit = cache[id(value)] = (value, codec.encode(value))
        return hit[1]

    def encode_state(self, s: object) -> Json:
        """`codec.encode` for states, reusing the encodings of shared parts."""
        enc = self._encoded
        return {"active_os": s.active_os, "exec_mode": s.exec_mode.value,
                "activity": s.activity.value,
                "oss": [[o, enc(i)] for o, i in sorted(s.oss.items())],
                "hyp": [[o, enc(pm)] for o, pm in sorted(s.hyp.items())],
                "mem": [[ma, enc(pg)] for ma, pg in sorted(s.mem.items())]}

    # -- byte encodings, for comparing with the driver's answer lines ------------------

    def response(self, response: object) -> Json:
        """`codec.encode` for step responses (few distinct values: memoised)."""
        j = self._response_cache.get(response)
        if j is None:
            j = self._response_cache[response] = codec.encode(response)
        return j

    def _map_bytes(self, m: object) -> bytes:
        """The bytes of a map of records (`oss`, `hyp`, `mem`), in ascending key
        order as the driver answers, memoised by identity, reusing the bytes of
        every entry `[k, v]` shared with a map seen before (memoised by the identity of `v`: the model is immutable,
        the cache keeps `v` alive so its id is not reused, and the key is
        checked since one value may sit under two keys)."""
        hit = self._bytes_cache.get(id(m))
        if hit is None or hit[0] is not m:
            entries = self._entry_cache
            parts = []
            for k, v in sorted(m.items()):
                e = entries.get(id(v))
                if e is None or e[0] is not v or e[1] != k:
                    e = entries[id(v)] = (v, k, b"[%d,%s]" % (k, value_bytes(v)))
                parts.append(e[2])
            hit = self._bytes_cache[id(m)] = (m, b"[" + b",".join(parts) + b"]")
        return hit[1]

    def state_bytes(self, s: object) -> bytes:
        """`orjson.dumps(codec.encode(s))` for a state: the exact bytes the driver
        prints for it, built from the memoised bytes of its unchanged parts."""
        cache = self._bytes_cache
        hit = cache.get(id(s))
        if hit is None or hit[0] is not s:
            if len(cache) > 50_000:
                cache.clear()
                self._entry_cache.clear()
            mb = self._map_bytes
            hit = cache[id(s)] = (s, _STATE % (
                s.active_os, _ENUM[s.exec_mode], _ENUM[s.activity], mb(s.oss), mb(s.hyp),
                mb(s.mem)))
        return hit[1]

    def effect(self, ctx_model: object, state_model: object, action_model: object) -> object:
        return sem.effect(ctx_model, state_model, action_model)

    def post(self, ctx_model: object, before: object, action_model: object,
             after: object) -> tuple[bool, tuple[str, ...]]:
        r = sem.post(ctx_model, before, action_model, after)
        return bool(r), tuple(r.reasons)

    def admits(self, ctx_model: object, state_model: object, action_model: object,
               code: str) -> bool:
        codes = sem.error_msg(ctx_model, state_model, action_model)
        return any(c.name == code for c in codes)

    def run(self, ctx: Json, state: Json, actions: list[Json]) -> list[tuple[Json, Json]]:
        c, s = self.context(ctx), self.state(state)
        out = []
        for a in actions:
            r = self.step(c, s, self.action(a))
            out.append((r.response, r.state))
            s = r.model
        return out


# -- byte encoders ---------------------------------------------------------------------
#
# `value_bytes(v) == orjson.dumps(codec.encode(v))` for the values of a state's maps
# (pages, guest records, physical maps), written out for the shapes of
# docs/protocol.md; any other shape goes through the codec.  Only speed rests on
# them: bytes that differ from the driver's line send the check down the slow
# path, which parses the line and compares it with pyspec's codec encoding.
# tests/test_difftest_gen.py compares them with the codec on random states.

_STATE = b'{"active_os":%d,"exec_mode":%s,"activity":%s,"oss":%s,"hyp":%s,"mem":%s}'
_ENUM = {e: orjson.dumps(e.value) for e in (*Mode, *OsActivity)}
_HCALL_BYTES: dict[object, bytes] = {}


def _int_map_bytes(m: IntMap) -> bytes:
    items = sorted(m.items())
    if all(type(k) is int and type(v) is int for k, v in items):
        return b"[" + b",".join([b"[%d,%d]" % kv for kv in items]) + b"]"
    return orjson.dumps(codec.encode(m))


def value_bytes(v: object) -> bytes:
    t = type(v)
    if t is Page:
        c, o = v.content, v.owner
        tc = type(c)
        if tc is RW and (c.v is None or type(c.v) is int):
            cb = b'["RW",null]' if c.v is None else b'["RW",%d]' % c.v
        elif tc is PT and type(c.m) is IntMap:
            cb = b'["PT",%s]' % _int_map_bytes(c.m)
        elif tc is Other:
            cb = b'"Other"'
        else:
            return orjson.dumps(codec.encode(v))
        to = type(o)
        if to is Os and type(o.o) is int:
            ob = b'["Os",%d]' % o.o
        elif to is Hyp:
            ob = b'"Hyp"'
        elif to is No_Owner:
            ob = b'"No_Owner"'
        else:
            return orjson.dumps(codec.encode(v))
        return b'{"content":%s,"owner":%s}' % (cb, ob)
    if t is OsInfo and type(v.curr_page) is int:
        h = v.hcall
        if h is None:
            return b'{"curr_page":%d,"hcall":null}' % v.curr_page
        hb = _HCALL_BYTES.get(h)
        if hb is None:
            hb = _HCALL_BYTES[h] = orjson.dumps(codec.encode(h))
        return b'{"curr_page":%d,"hcall":%s}' % (v.curr_page, hb)
    if t is IntMap:
        return _int_map_bytes(v)
    return orjson.dumps(codec.encode(v))


def _decode_memo(cache: dict[bytes, object], limit: int, kind: str, value: Json) -> object:
    """`codec.decode(kind, value)` memoised by the value's bytes; the cache is
    emptied when it holds `limit` entries."""
    try:
        key = orjson.dumps(value)
    except TypeError:        # not plain JSON (huge integers...): the codec says why
        return codec.decode(kind, value)
    model = cache.get(key)
    if model is None:
        if len(cache) >= limit:
            cache.clear()
        model = cache[key] = codec.decode(kind, value)
    return model
