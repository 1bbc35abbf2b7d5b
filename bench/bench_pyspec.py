"""Benchmark: pyspec `step` throughput, and how it scales with the number of pages.

A fixed seed gives a valid state of the default scope (4 guests, 32 pages) and
a sequence of actions drawn along its run by the generator's `next_action` (10%
of them uniform over the scope).  The sequence is pre-generated, so only `step` is
timed.  The same is repeated with 4x and 16x the pages and addresses.
Aim: >= 50,000 actions/s at the default scope; cost at most linear in size.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyspec.generate import Bias, Scope, generate_state, next_action  # noqa: E402
from pyspec.semantics import step  # noqa: E402

SEED = 2013
LENGTH = 20_000
REPEATS = 3
BASE = Scope(guests=4, pages=32, vadds=16, padds=32, window=4, trusted=1)
TARGET = 50_000


def workload(scope: Scope):
    rng = random.Random(SEED)
    ctx, s0 = generate_state(rng, scope)
    s, actions = s0, []
    for _ in range(LENGTH):
        a = next_action(rng, scope, ctx, s, Bias(error_share=0.1))
        actions.append(a)
        s = step(ctx, s, a).result_state
    return ctx, s0, actions


def throughput(scope: Scope) -> float:
    """Best of REPEATS runs, in actions per second."""
    ctx, s0, actions = workload(scope)
    best = float("inf")
    for _ in range(REPEATS):
        s = s0
        start = time.perf_counter()
        for a in actions:
            s = step(ctx, s, a).result_state
        best = min(best, time.perf_counter() - start)
    return len(actions) / best


def main() -> int:
    print(f"pyspec step: {LENGTH} actions per run, best of {REPEATS}, seed {SEED}")
    base = throughput(BASE)
    verdict = "meets" if base >= TARGET else "BELOW"
    print(f"  default scope (4 guests, 32 pages): {base:,.0f} actions/s "
          f"({verdict} the {TARGET:,} actions/s aim)")
    for factor in (4, 16):
        rate = throughput(BASE.scaled(factor))
        slowdown = base / rate
        print(f"  {factor:>2}x pages ({BASE.pages * factor:>3} pages): {rate:,.0f} actions/s, "
              f"time per action x{slowdown:.2f} (linear would be x{factor})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
