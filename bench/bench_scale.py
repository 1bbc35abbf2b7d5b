"""Benchmark: how the executable specification scales with the size of the state.

Workload: valid states of SIZES machine pages (GUESTS untrusted guests own most
of them, each with TABLES page tables that together map most of its pages, a few
hypervisor pages in the window, a tenth of the pages free), and for each state
ACTIONS actions cycling through writes, reads and every hypercall (pin, new,
del, unpin) served by the hypervisor. Figures, for each size (best of REPEATS):
  * driver `valid`: one request line, encoded beforehand, through the long-lived
    driver until its answer line is read (transfer, JSON decoding, the check, the
    answer; the answer is not parsed);
  * driver `run`: likewise, the ACTIONS actions in one request (its `valid` check
    included);
  * pyspec `valid_state` on the model value;
  * pyspec `step`: the same ACTIONS actions through `semantics.trace`.
Every run's responses are checked equal between the driver and pyspec.
Prints the times and, per figure, the growth exponent fitted (least squares on
log-log) between the smallest and largest size.
Aims: every exponent <= 1.2; at the largest size, driver `valid` < 1 s and
driver `run` < 2 s (printed as met or NOT met: a benchmark always exits 0).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyspec import codec, semantics  # noqa: E402
from pyspec.difftest.driver_pipe import DriverPipe  # noqa: E402
from pyspec.model import Action, Context, State  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
GUESTS = 4
TABLES = 4
ACTIONS = 1_000
REPEATS = 3
WINDOW = 1 << 30  # virtual addresses from here on are the hypervisor's window
HYP_PAGES = 8
AIM_EXPONENT = 1.2
AIM_VALID_S = 1.0
AIM_RUN_S = 2.0

Json = object


def scale_state(pages: int) -> tuple[Json, Json]:
    """A valid (context, state) in JSON with `pages` machine pages."""
    free = pages // 10
    per_guest = (pages - free - HYP_PAGES) // GUESTS
    context = {"hyp_window": [WINDOW + i for i in range(HYP_PAGES)], "trusted_oss": []}
    mem: list[Json] = []
    hyp: list[Json] = []
    oss: list[Json] = []
    ma = 0
    for i in range(HYP_PAGES):
        mem.append([ma, {"content": ["RW", i], "owner": "Hyp"}])
        ma += 1
    for o in range(GUESTS):
        owner = ["Os", o]
        tables = list(range(ma, ma + TABLES))
        data = list(range(ma + TABLES, ma + per_guest))
        ma += per_guest
        # Table t maps every TABLES-th data page (all but the last few), and the window.
        chunks = [data[t::TABLES][:-2] for t in range(TABLES)]
        for t, table in enumerate(tables):
            entries = [[va_of(page), page] for page in chunks[t]]
            entries += [[WINDOW + i, i] for i in range(HYP_PAGES)]
            mem.append([table, {"content": ["PT", entries], "owner": owner}])
        mem.extend([page, {"content": ["RW", page % 97], "owner": owner}] for page in data)
        hyp.append([o, [[page, page] for page in tables + data]])
        oss.append([o, {"curr_page": tables[0], "hcall": None}])
    mem.extend([page, {"content": "Other", "owner": "No_Owner"}] for page in range(ma, pages))
    state = {"active_os": 0, "exec_mode": "Usr", "activity": "Running",
             "oss": oss, "hyp": hyp, "mem": mem}
    return context, state


def va_of(page: int) -> int:
    """The virtual address at which a data page is mapped (spread out, below the window)."""
    return 7 * page + 3


def scale_actions(state: Json, count: int) -> list[Json]:
    """`count` actions of guest 0: writes and reads of its mapped pages, and
    cycles of hypercalls (pin a fresh physical page, map it, unmap it, unpin it)."""
    _, pm = state["hyp"][0]  # type: ignore[index]
    table = state["mem"][HYP_PAGES][1]["content"][1]  # type: ignore[index]
    mapped = [va for va, _ in table if va < WINDOW]
    fresh_pa = max(pa for pa, _ in pm) + 1
    actions: list[Json] = []
    i = 0
    while len(actions) < count:
        va = mapped[(i * 7919) % len(mapped)]
        pa = fresh_pa + i
        new_va = WINDOW - 1 - i
        actions += [["Write", va, i], ["Read", va]]
        for hcall, served in ((["HC_pin", pa, "T_RW"], ["Page_pin", 0, pa, "T_RW"]),
                              (["HC_new", new_va, pa], ["New", 0, new_va, pa]),
                              (["HC_del", new_va], ["Del", 0, new_va]),
                              (["HC_unpin", pa], ["Page_unpin", 0, pa])):
            actions += [["Hcall", hcall], served, "Chmod"]
        i += 1
    return actions[:count]


def best_of(work: Callable[[], object]) -> float:
    best = math.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def exponent(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    xs = [math.log(n) for n in sizes]
    ys = [math.log(max(t, 1e-9)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            / sum((x - mx) ** 2 for x in xs))


def answer(driver: DriverPipe, line: bytes) -> Json:
    """The driver's answer to one request line, which must succeed."""
    (raw,) = driver.raw_lines([line])
    assert raw.startswith(b'{"id":0,"ok":true'), raw[:300]
    return json.loads(raw)


def measure(driver: DriverPipe, pages: int) -> dict[str, float]:
    context, state = scale_state(pages)
    actions = scale_actions(state, ACTIONS)
    ctx = codec.decode(Context, context)
    s = codec.decode(State, state)
    acts = [codec.decode(Action, a) for a in actions]
    assert not semantics.valid_state(ctx, s), "the scaling state must be valid"
    request = {"id": 0, "context": context, "state": state}
    valid_line = json.dumps({**request, "op": "valid"}).encode()
    run_line = json.dumps({**request, "op": "run", "actions": actions}).encode()
    assert answer(driver, valid_line)["valid"] is True
    results = semantics.trace(ctx, s, acts)
    expected = [codec.encode(r.response) for r in results]
    assert answer(driver, run_line)["responses"] == expected, "driver and pyspec disagree"
    assert all(r == "Ok" for r in expected), "every scaling action should succeed"
    return {
        "driver valid": best_of(lambda: driver.raw_lines([valid_line])),
        "driver run": best_of(lambda: driver.raw_lines([run_line])),
        "pyspec valid_state": best_of(lambda: semantics.valid_state(ctx, s)),
        "pyspec step": best_of(lambda: semantics.trace(ctx, s, acts)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="numbers of machine pages (default: %(default)s)")
    args = parser.parse_args()
    sizes: list[int] = sorted(args.sizes)
    subprocess.run(["make", "-s", "driver"], cwd=ROOT, check=True)
    rows: dict[int, dict[str, float]] = {}
    with DriverPipe(timeout=3600) as driver:
        for pages in sizes:
            rows[pages] = measure(driver, pages)
            print(f"{pages:>8,} pages: " + ", ".join(
                f"{name} {t:.3f} s" for name, t in rows[pages].items()), flush=True)
    largest = rows[sizes[-1]]
    for name in largest:
        if len(sizes) > 1:
            k = exponent(sizes, [rows[n][name] for n in sizes])
            print(f"{name:<20} growth exponent {k:.2f} (aim <= {AIM_EXPONENT}: "
                  f"{'met' if k <= AIM_EXPONENT else 'NOT met'})")
    for name, aim in (("driver valid", AIM_VALID_S), ("driver run", AIM_RUN_S)):
        t = largest[name]
        print(f"{name} at {sizes[-1]:,} pages: {t:.3f} s (aim < {aim} s: "
              f"{'met' if t < aim else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
