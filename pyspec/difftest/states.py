"""Initial states: pyspec's valid-state generator, in JSON.

pyspec's generator only maps the hypervisor window to RW pages; a share of
states get one hypervisor page turned into `Other` (still valid: property 6
only asks that window pages be owned by Hyp), so that `Read_hyper` and
`Write_hyper` can meet `Wrong_page_type`.
"""

from __future__ import annotations

import random

from pyspec import codec
from pyspec.generate import generate_state

from .jstate import Json
from .scope import Scope

OTHER_HYP_PAGE_SHARE = 0.15


def initial_state(rng: random.Random, scope: Scope) -> tuple[Json, Json]:
    """A random valid (context, state) of `scope`, as JSON."""
    ctx, state = generate_state(rng, scope.state_scope())
    ctx_json, state_json = codec.encode(ctx), codec.encode(state)
    hyp_pages = [i for i, (_, pg) in enumerate(state_json["mem"]) if pg["owner"] == "Hyp"]
    if hyp_pages and rng.random() < OTHER_HYP_PAGE_SHARE:
        state_json["mem"][rng.choice(hyp_pages)][1]["content"] = "Other"
    return ctx_json, state_json
