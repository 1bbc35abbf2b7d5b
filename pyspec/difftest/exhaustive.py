"""Bounded-exhaustive checking: every sequence of up to K actions relevant
for one small state, in one process.

Failures are handed to a callback the moment their batch is checked (the
caller writes them to disk), and only counted here: memory stays bounded
however many sequences fail, and an interrupt loses nothing already found.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

from pyspec import interrupt

from .engine import Engine, Failure, Sequence
from .gen import relevant_actions


@dataclass
class ExhaustiveStats:
    announced: int = 0        # sequences of up to K actions
    sequences: int = 0        # checked so far
    steps: int = 0
    failures: int = 0


def sequences_up_to(n_actions: int, depth: int) -> int:
    return sum(n_actions ** k for k in range(1, depth + 1))


def run_exhaustive(engine: Engine, ctx: dict, state: dict, depth: int, stats: ExhaustiveStats,
                   on_failure: Callable[[Sequence, Failure, list], None],
                   batch: int = 256) -> None:
    """Check every sequence of up to `depth` relevant actions from `state`,
    counting into `stats` as it goes."""
    actions = relevant_actions(engine.scope, ctx, state)
    stats.announced = sequences_up_to(len(actions), depth)
    pending: list[Sequence] = []

    def flush() -> None:
        interrupt.check()
        for seq, out in zip(pending, engine.check_batch(pending)):
            stats.sequences += 1
            stats.steps += out.steps
            if out.failure is not None:
                stats.failures += 1
                on_failure(seq, out.failure, out.driver_trace)
        pending.clear()

    for k in range(1, depth + 1):
        for combo in itertools.product(actions, repeat=k):
            pending.append(engine.replay_pyspec(Sequence(stats.sequences + len(pending), ctx,
                                                         state, list(combo))))
            if len(pending) >= batch:
                flush()
    flush()
