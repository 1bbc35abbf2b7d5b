"""Mutation testing: run a fixed campaign budget against each seeded fault,
with the generator pinned to the unmutated code.

The sequences are drawn once per seed, in this (unmutated) process, into a
file (`pinned.write_cases`); every mutant then runs in its own process
(`python -m pyspec.difftest.pinned`) that only checks them: with the mutated
copy of pyspec first on PYTHONPATH, or with the mutated driver binary.  So a
pyspec fault cannot steer what is drawn, and every mutant of a seed meets the
very same sequences, which are those of `vcert diff --seed S` (unguided: a
guided campaign draws exactly these until its batch LAG+1, after every kill
of the suite; docs/difftest.md).  A mutant is
killed by its first finding; the report gives the steps and seconds to it and
the length of the shrunk reproducer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from pyspec import interrupt
from pyspec.driver import default_binary

from .mutants import Mutant, NotApplicable, prepare
from .pinned import write_cases


@dataclass
class MutantResult:
    id: str
    target: str
    description: str
    status: str                       # "killed" | "survived" | "not_applicable" | "error"
    oracle: str | None = None
    detail: str | None = None
    steps: int | None = None          # steps run until the first finding (or in all)
    seconds: float | None = None      # time to the first finding (or in all)
    shrunk_length: int | None = None
    note: str = ""


@dataclass
class MutationBudget:
    sequences: int = 2000
    length: int = 50
    seed: int = 0
    timeout: float = 900.0


def draw_cases(budget: MutationBudget, directory: Path) -> Path:
    """The pinned sequences of `budget`, drawn in this process into `directory`."""
    path = directory / f"cases-{budget.seed}-{budget.sequences}x{budget.length}.jsonl"
    write_cases(path, budget.seed, budget.sequences, budget.length)
    return path


def run_mutant(m: Mutant, budget: MutationBudget, cases: Path | None = None,
               driver: str | None = None) -> MutantResult:
    """Check the pinned `cases` (see `draw_cases`; None: draw them) against
    mutant `m`."""
    res = MutantResult(m.id, m.target, m.description, "error")
    with tempfile.TemporaryDirectory(prefix=f"vcert-mutant-{m.id}-") as tmp:
        work = Path(tmp)
        if cases is None:
            cases = draw_cases(budget, work)
        try:
            pypath, binary = prepare(m, work / "src")
        except NotApplicable as exc:
            res.status, res.note = "not_applicable", str(exc)
            return res
        env = dict(os.environ)
        if pypath is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(pypath), env.get("PYTHONPATH", "")])
        out = work / "out"
        # The copy of pyspec would look for the driver next to itself: name it.
        cmd = [sys.executable, "-m", "pyspec.difftest.pinned", str(cases), "--out", str(out),
               "--driver", str(binary or driver or default_binary())]
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                  timeout=budget.timeout, cwd=work)
        except subprocess.TimeoutExpired:
            res.note = f"timed out after {budget.timeout}s"
            return res
        try:
            result = json.loads((out / "result.json").read_text())
        except (OSError, json.JSONDecodeError):
            res.note = f"no result (exit {proc.returncode}): {proc.stderr[-400:]}"
            return res
        res.status, res.steps, res.seconds = result["status"], result["steps"], result["seconds"]
        if res.status == "killed":
            res.oracle, res.detail = result["oracle"], result["detail"]
            res.shrunk_length = result["shrunk_length"]
        else:
            res.seconds = round(time.monotonic() - start, 3)
    return res


def run_mutants(mutants: list[Mutant], budget: MutationBudget, jobs: int,
                driver: str | None = None, on_result=None,
                cluster: str | None = None) -> list[MutantResult]:
    """Every mutant against the same pinned cases: `jobs` at a time here, or
    as tasks on a Dask cluster (`cluster`: an address or local:N); results in
    the order of `mutants`."""
    with tempfile.TemporaryDirectory(prefix="vcert-cases-") as tmp:
        cases = draw_cases(budget, Path(tmp))
        if cluster is not None:
            return _on_dask(cluster, mutants, budget, cases, driver, on_result)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(run_mutant, m, budget, cases, driver) for m in mutants]
            results = []
            for f in futures:
                r = f.result()
                interrupt.check()
                if on_result is not None:
                    on_result(r)
                results.append(r)
    return results


def _on_dask(address: str, mutants: list[Mutant], budget: MutationBudget, cases: Path,
             driver: str | None, on_result) -> list[MutantResult]:
    """One task per mutant (each builds its mutant and runs its campaign on
    the worker: the workers need this checkout's path and, for OCaml
    mutants, OCaml; see docs/cluster.md)."""
    from distributed import as_completed

    from .dask_executor import connect

    client, cluster = connect(address)
    try:
        futures = {client.submit(run_mutant, m, budget, cases, driver, pure=False): n
                   for n, m in enumerate(mutants)}
        results: list[MutantResult | None] = [None] * len(mutants)
        for future in as_completed(futures):
            r = future.result()
            results[futures[future]] = r
            if on_result is not None:
                on_result(r)
        return [r for r in results if r is not None]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def summary(results: list[MutantResult], budget: MutationBudget) -> dict:
    applicable = [r for r in results if r.status in ("killed", "survived")]
    killed = [r for r in applicable if r.status == "killed"]
    return {"budget": asdict(budget), "mutants": len(results), "applicable": len(applicable),
            "killed": len(killed),
            "kill_rate": round(len(killed) / len(applicable), 3) if applicable else None,
            "results": [asdict(r) for r in results]}
