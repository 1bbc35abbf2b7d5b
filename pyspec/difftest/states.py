"""Initial states: pyspec's valid-state generator, in JSON.

pyspec's generator only maps the hypervisor window to RW pages; a share of
states get one hypervisor page turned into `Other` (still valid: property 6
only asks that window pages be owned by Hyp), so that `Read_hyper` and
`Write_hyper` can meet `Wrong_page_type`.
"""

from __future__ import annotations

import random
from dataclasses import replace

from pyspec import codec
from pyspec.generate import generate_state
from pyspec.model import HYP, OTHER, Page

from .jstate import Json
from .scope import Scope

OTHER_HYP_PAGE_SHARE = 0.15


def initial_state(rng: random.Random, scope: Scope) -> tuple[Json, Json]:
    """A random valid (context, state) of `scope`, as JSON."""
    ctx_json, state_json, _, _ = initial_case(rng, scope)
    return ctx_json, state_json


def initial_case(rng: random.Random, scope: Scope) -> tuple[Json, Json, object, object]:
    """`initial_state` (the same draw), with the model values it encodes:
    (context, state, context model, state model)."""
    ctx, state = generate_state(rng, scope.state_scope())
    hyp_pages = [ma for ma, pg in state.mem.items() if pg.owner == HYP]
    if hyp_pages and rng.random() < OTHER_HYP_PAGE_SHARE:
        ma = rng.choice(hyp_pages)
        state = replace(state, mem=state.mem.set(ma, Page(OTHER, state.mem[ma].owner)))
    return codec.encode(ctx), codec.encode(state), ctx, state
