"""Benchmark: the extracted specification through the long-lived driver.

Workload: the sample (examples/sample_*.json, 26 actions covering all 14),
through pyspec.driver.Driver. Figures: the round trip of a `ping` (the fixed
cost of one request), short `run` requests (one sample run each), and one long
`run` (the sample repeated 400 times, 10,400 steps) where the per-step cost
dominates. Best of REPEATS.
Aims: ping round trip <= 1 ms; >= 100,000 steps/s in the long run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyspec.driver import Driver  # noqa: E402

REPEATS = 5
PINGS = 2_000
SHORT_RUNS = 500
LONG_FACTOR = 400
PING_AIM_MS = 1.0
STEPS_AIM = 100_000


def load(name: str) -> object:
    return json.loads((ROOT / "examples" / name).read_text())


def best_of(work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    subprocess.run(["make", "-s", "driver"], cwd=ROOT, check=True)
    context, state = load("sample_context.json"), load("sample_state.json")
    actions = load("sample_actions.json")
    assert isinstance(actions, list)
    long_actions = actions * LONG_FACTOR
    with Driver(timeout=120) as driver:
        driver.ping()  # start the process outside the timings

        def pings() -> None:
            for _ in range(PINGS):
                driver.ping()

        def short_runs() -> None:
            for _ in range(SHORT_RUNS):
                driver.run(context, state, actions)

        def long_run() -> None:
            driver.run(context, state, long_actions)

        ping_ms = best_of(pings) / PINGS * 1e3
        short_s = best_of(short_runs)
        long_s = best_of(long_run)

    steps_per_s = len(long_actions) / long_s
    print(f"vcert-driver: sample of {len(actions)} actions, best of {REPEATS}")
    print(f"  ping round trip: {ping_ms:.3f} ms "
          f"({'meets' if ping_ms <= PING_AIM_MS else 'ABOVE'} the {PING_AIM_MS} ms aim)")
    print(f"  short runs ({len(actions)} steps per request): {short_s / SHORT_RUNS * 1e3:.3f} ms "
          f"per request, {SHORT_RUNS * len(actions) / short_s:,.0f} steps/s")
    print(f"  one run of {len(long_actions):,} steps: {long_s * 1e3:.1f} ms, {steps_per_s:,.0f} "
          f"steps/s ({'meets' if steps_per_s >= STEPS_AIM else 'BELOW'} the "
          f"{STEPS_AIM:,} steps/s aim; x{steps_per_s / STEPS_AIM:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
