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
  * pyspec `step`: the same ACTIONS actions through `semantics.trace`, each
    run from the decoded state, so each run builds, at the first step that
    needs them, the indexes that a large `mem` then carries from step to step.
Every run's responses are checked equal between the driver and pyspec.
On a shared machine wall-clock times mostly measure the other processes, so
the driver's figures are also given as its processor time per request (from
/proc, over at least MIN_CPU_SECONDS of requests), and pyspec's as this
process's processor time.
Prints the times and, per figure, the growth exponent fitted (least squares on
log-log) over the sizes.
Aims: every exponent <= 1.2; at the largest size, driver `valid` < 1 s and
driver `run` < 2 s (printed as met or NOT met: a benchmark always exits 0).
"""

from __future__ import annotations

import argparse
import json
import math
import os
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
MIN_CPU_SECONDS = 0.5
WINDOW = 1 << 30  # the hypervisor's window: HYP_PAGES virtual addresses from here
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


def best_of(work: Callable[[], object]) -> tuple[float, float]:
    """The best wall-clock time of REPEATS runs, and the least processor time."""
    wall = cpu = math.inf
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def process_cpu(pid: int) -> float:
    """Processor time (user + system) a process has used so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def driver_times(driver: DriverPipe, line: bytes) -> tuple[float, float]:
    """The best wall-clock time of one request, and the driver's processor time
    per request (averaged over enough requests for the clock's resolution)."""
    assert driver.pid is not None
    wall, used, count = math.inf, 0.0, 0
    while count < REPEATS or used < MIN_CPU_SECONDS:
        before = process_cpu(driver.pid)
        start = time.perf_counter()
        driver.raw_lines([line])
        wall = min(wall, time.perf_counter() - start)
        used += process_cpu(driver.pid) - before
        count += 1
    return wall, used / count


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


def measure(driver: DriverPipe, pages: int) -> dict[str, tuple[float, float]]:
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
        "driver valid": driver_times(driver, valid_line),
        "driver run": driver_times(driver, run_line),
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
    rows: dict[int, dict[str, tuple[float, float]]] = {}
    with DriverPipe(timeout=3600) as driver:
        for pages in sizes:
            rows[pages] = measure(driver, pages)
            print(f"{pages:>8,} pages: " + ", ".join(
                f"{name} {wall:.3f} s (cpu {cpu:.3f} s)"
                for name, (wall, cpu) in rows[pages].items()), flush=True)
    largest = rows[sizes[-1]]
    if len(sizes) > 1:
        for name in largest:
            k_wall, k_cpu = (exponent(sizes, [rows[n][name][i] for n in sizes]) for i in (0, 1))
            print(f"{name:<20} growth exponent {k_wall:.2f} wall, {k_cpu:.2f} cpu "
                  f"(aim <= {AIM_EXPONENT}: {'met' if k_wall <= AIM_EXPONENT else 'NOT met'} "
                  f"wall, {'met' if k_cpu <= AIM_EXPONENT else 'NOT met'} cpu)")
    for name, aim in (("driver valid", AIM_VALID_S), ("driver run", AIM_RUN_S)):
        wall, cpu = largest[name]
        print(f"{name} at {sizes[-1]:,} pages: {wall:.3f} s wall, {cpu:.3f} s cpu (aim < {aim} s: "
              f"{'met' if wall < aim else 'NOT met'} wall, {'met' if cpu < aim else 'NOT met'} cpu)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
