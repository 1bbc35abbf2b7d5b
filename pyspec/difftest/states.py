"""Initial states: pyspec's valid-state generator, in JSON."""

from __future__ import annotations

import random

from pyspec import codec
from pyspec.generate import generate_state

from .jstate import Json
from .scope import Scope


def initial_state(rng: random.Random, scope: Scope) -> tuple[Json, Json]:
    """A random valid (context, state) of `scope`, as JSON."""
    ctx, state = generate_state(rng, scope.state_scope())
    return codec.encode(ctx), codec.encode(state)
