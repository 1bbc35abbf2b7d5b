"""Initial states of campaigns: the generator's (`pyspec.generate`), with
their JSON encodings (the codec is the only place JSON is made)."""

from __future__ import annotations

import random

from pyspec import codec
from pyspec.generate import generate_state

from .jstate import Json
from .scope import Scope


def initial_state(rng: random.Random, scope: Scope) -> tuple[Json, Json]:
    """A random valid (context, state) of `scope`, as JSON."""
    ctx_json, state_json, _, _ = initial_case(rng, scope)
    return ctx_json, state_json


def initial_case(rng: random.Random, scope: Scope) -> tuple[Json, Json, object, object]:
    """`generate_state`, with the JSON it encodes to: (context, state,
    context model, state model)."""
    ctx, state = generate_state(rng, scope)
    return codec.encode(ctx), codec.encode(state), ctx, state
