"""Hypothesis strategies over the generator (Hypothesis is a test dependency:
imported on use).  Runs are stepped with pyspec's `step`; what is drawn at
each step depends on the state reached only (`pyspec.generate`)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from pyspec.generate import Bias, Scope, generate_state, next_action
from pyspec.model import Action, Context, State
from pyspec.semantics import step

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


def states(scope: Scope = Scope()) -> SearchStrategy[tuple[Context, State]]:
    """Valid states of `scope` with their contexts."""
    from hypothesis import strategies as st

    return st.randoms(use_true_random=False).map(lambda rng: generate_state(rng, scope))


def states_with_actions(scope: Scope = Scope(), length: int = 1, error_share: float = 0.15
                        ) -> SearchStrategy[tuple[Context, State, list[Action]]]:
    """A valid state and `length` actions drawn along the run from it
    (`error_share` of them uniform over the scope)."""
    from hypothesis import strategies as st

    bias = Bias(error_share=error_share)

    def draw(rng: random.Random) -> tuple[Context, State, list[Action]]:
        ctx, s0 = generate_state(rng, scope)
        s, actions = s0, []
        for _ in range(length):
            a = next_action(rng, scope, ctx, s, bias)
            actions.append(a)
            s = step(ctx, s, a).result_state
        return ctx, s0, actions

    return st.randoms(use_true_random=False).map(draw)
