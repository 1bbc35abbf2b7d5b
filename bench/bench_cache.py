"""Benchmark: the cache variant's tester at the default scope.

Workload: SEQUENCES random sequences of LENGTH actions (seed 0, cache 2,
TLB 2, flush on Switch), pre-generated, then timed separately:
  * pyspec alone: `ctrace` over every sequence;
  * driver alone: the same sequences as pipelined `run_cache` requests with
    per-step cstates (answers parsed);
  * the cache campaign (one process): generation, both oracles, agreement and
    coherence per step, then as many paired isolation runs (events/s);
  * finding the leak without the flush: paired runs until the first
    `cache_observation` finding, and the size of its shrunk schedule.
Prints actions/s for each.  Aims: campaign >= 1,000 actions/s, the leak found
within 100 paired runs and shrunk to at most 10 events.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyspec import codec  # noqa: E402
from pyspec.cache import codec as ccodec  # noqa: E402
from pyspec.cache.model import CacheConfig  # noqa: E402
from pyspec.cache.step import ctrace  # noqa: E402
from pyspec.difftest.cache import (  # noqa: E402
    CacheCampaign, CachePairs, random_sequence, run_cache_campaign, run_cache_request,
    shrink_events,
)
from pyspec.difftest.driver_pipe import DriverPipe  # noqa: E402
from pyspec.difftest.scope import Scope  # noqa: E402
from pyspec.difftest.states import initial_state  # noqa: E402

SEQUENCES = 400
LENGTH = 50
BATCH = 50
AIM_RATE = 1_000
AIM_LEAK_PAIRS = 100
AIM_SHRUNK = 10


def main() -> int:
    scope, cfg = Scope(), CacheConfig(2, 2, True)
    rng = random.Random(0)
    cases = [random_sequence(rng, scope, cfg, LENGTH) for _ in range(SEQUENCES)]
    steps = SEQUENCES * LENGTH
    models = [(codec.decode("context", c), ccodec.decode_cstate(s),
               [codec.decode("action", a) for a in acts]) for c, s, acts in cases]

    start = time.perf_counter()
    for ctx, cs, acts in models:
        ctrace(cfg, ctx, cs, acts)
    py_rate = steps / (time.perf_counter() - start)

    with DriverPipe() as driver:
        start = time.perf_counter()
        for i in range(0, SEQUENCES, BATCH):
            batch = cases[i:i + BATCH]
            driver.requests([run_cache_request(k, cfg, *c) for k, c in enumerate(batch)])
        driver_rate = steps / (time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        res = run_cache_campaign(CacheCampaign(cfg, scope, 0, SEQUENCES, LENGTH, 0, Path(out)))
        loop_rate = res.steps / (time.perf_counter() - start)
        start = time.perf_counter()
        res = run_cache_campaign(CacheCampaign(cfg, scope, 0, 0, LENGTH, SEQUENCES, Path(out)))
        pair_rate = res.pair_events / (time.perf_counter() - start)

    pairs = CachePairs(scope, CacheConfig(2, 2, False))
    start = time.perf_counter()
    found, tried = None, 0
    while found is None and tried < 10 * AIM_LEAK_PAIRS:
        ctx, state = initial_state(random.Random(tried), scope)
        drawn = pairs.generate(random.Random(tried ^ 0xCAC4E), ctx, state)
        tried += 1
        if drawn is None:
            continue
        o, twin, events = drawn
        f = pairs.check(ctx, state, twin, o, events)
        if f is not None and f.oracle == "cache_observation":
            small, _ = shrink_events(pairs, ctx, state, twin, o, events, f.oracle)
            found = (len(events), len(small))
    leak_seconds = time.perf_counter() - start

    print(f"pyspec ctrace:          {py_rate:>10,.0f} actions/s")
    print(f"driver run_cache:       {driver_rate:>10,.0f} actions/s")
    print(f"campaign (sequences):   {loop_rate:>10,.0f} actions/s  (aim >= {AIM_RATE:,})")
    print(f"campaign (paired runs): {pair_rate:>10,.0f} events/s")
    if found is None:
        print(f"leak without flush: NOT found in {tried} paired runs")
        return 1
    print(f"leak without flush: found after {tried} paired run(s) in {leak_seconds:.2f}s, "
          f"shrunk {found[0]} -> {found[1]} events (aims: <= {AIM_LEAK_PAIRS} runs, "
          f"<= {AIM_SHRUNK} events)")
    ok = loop_rate >= AIM_RATE and tried <= AIM_LEAK_PAIRS and found[1] <= AIM_SHRUNK
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
