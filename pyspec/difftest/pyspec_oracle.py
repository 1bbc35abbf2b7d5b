"""Adapter over pyspec (engineer F's model, codec and semantics) in JSON terms.

Imported lazily by module name, so that a mutated copy of pyspec placed
first on `sys.path` is the one exercised (`vcert mutate`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspec import codec
from pyspec import semantics as sem

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
        self._action_cache: dict[str, object] = {}

    def context(self, ctx: Json) -> object:
        key = repr(ctx)
        model = self._ctx_cache.get(key)
        if model is None:
            model = self._ctx_cache[key] = codec.decode("context", ctx)
        return model

    def state(self, state: Json) -> object:
        return codec.decode("state", state)

    def action(self, action: Json) -> object:
        key = str(action)
        model = self._action_cache.get(key)
        if model is None:
            if len(self._action_cache) > 100_000:
                self._action_cache.clear()
            model = self._action_cache[key] = codec.decode("action", action)
        return model

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
                "oss": [[o, enc(i)] for o, i in s.oss.items()],
                "hyp": [[o, enc(pm)] for o, pm in s.hyp.items()],
                "mem": [[ma, enc(pg)] for ma, pg in s.mem.items()]}

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
