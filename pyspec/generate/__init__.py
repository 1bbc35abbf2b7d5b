"""The one generator: random valid states and actions drawn along a run, over
model values, seeded and reproducible.

* `scope`: `Scope`, the sizes of states and the odds of their shapes;
* `states`: `generate_state(rng, scope) -> (Context, State)`;
* `actions`: `next_action(rng, scope, ctx, s, bias) -> Action`, the next action of
  a run that reached `s`; `uniform_action`; `serve`; `Bias`;
* `plausible`: the heuristics both read off a state.

All randomness comes from the `random.Random` passed in.  Nothing here imports
`pyspec.semantics`: what is drawn never depends on the semantics under test
(the caller runs the step; `pyspec.strategies` has the Hypothesis strategies
that do).  JSON appears only at the codec (`pyspec.codec`).
"""

from .actions import (
    ACTION_KINDS, NO_BIAS, Bias, next_action, plausible_action, serve, uniform_action,
)
from .plausible import near_miss, plausible_hcall, uniform_hcall
from .scope import DEFAULT_SCOPE, SMALL_SCOPE, Scope
from .states import generate_state

__all__ = ["ACTION_KINDS", "NO_BIAS", "Bias", "DEFAULT_SCOPE", "SMALL_SCOPE", "Scope",
           "generate_state", "near_miss", "next_action", "plausible_action",
           "plausible_hcall", "serve", "uniform_action", "uniform_hcall"]
