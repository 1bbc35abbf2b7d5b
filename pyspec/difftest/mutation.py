"""Mutation testing: run a fixed campaign budget against each seeded fault.

Every mutant runs in its own `vcert diff --stop-on-finding` process (with the
mutated pyspec first on PYTHONPATH, or the mutated driver binary), so the
sources are never touched.  A mutant is killed when the campaign reports a
finding; the report gives the steps and seconds to the first finding and the
length of the shrunk reproducer.
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

from pyspec.driver import default_binary

from .mutants import Mutant, NotApplicable, prepare


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


def run_mutant(m: Mutant, budget: MutationBudget, driver: str | None = None) -> MutantResult:
    res = MutantResult(m.id, m.target, m.description, "error")
    with tempfile.TemporaryDirectory(prefix=f"vcert-mutant-{m.id}-") as tmp:
        work = Path(tmp)
        try:
            pypath, binary = prepare(m, work / "src")
        except NotApplicable as exc:
            res.status, res.note = "not_applicable", str(exc)
            return res
        env = dict(os.environ)
        if pypath is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(pypath), env.get("PYTHONPATH", "")])
        out = work / "out"
        cmd = [sys.executable, "-m", "pyspec.cli", "diff", "--jobs", "1", "--no-progress",
               "--stop-on-finding", "--sequences", str(budget.sequences),
               "--length", str(budget.length), "--seed", str(budget.seed), "--out", str(out)]
        # The copy of pyspec would look for the driver next to itself: name it.
        cmd += ["--driver", str(binary or driver or default_binary())]
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                  timeout=budget.timeout, cwd=work)
        except subprocess.TimeoutExpired:
            res.note = f"timed out after {budget.timeout}s"
            return res
        elapsed = round(time.monotonic() - start, 3)
        try:
            summary = json.loads((out / "summary.json").read_text())
        except (OSError, json.JSONDecodeError):
            res.note = f"no summary (exit {proc.returncode}): {proc.stderr[-400:]}"
            return res
        if summary["findings"]:
            first = summary["findings"][0]
            res.status, res.oracle, res.detail = "killed", first["oracle"], first["detail"]
            res.steps = summary["first_finding"]["steps"]
            res.seconds = summary["first_finding"]["seconds"]
            res.shrunk_length = first["shrunk_length"]
        else:
            res.status, res.steps, res.seconds = "survived", summary["steps"], elapsed
    return res


def run_mutants(mutants: list[Mutant], budget: MutationBudget, jobs: int,
                driver: str | None = None, on_result=None) -> list[MutantResult]:
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_mutant, m, budget, driver) for m in mutants]
        results = []
        for f in futures:
            r = f.result()
            if on_result is not None:
                on_result(r)
            results.append(r)
    return results


def summary(results: list[MutantResult], budget: MutationBudget) -> dict:
    applicable = [r for r in results if r.status in ("killed", "survived")]
    killed = [r for r in applicable if r.status == "killed"]
    return {"budget": asdict(budget), "mutants": len(results), "applicable": len(applicable),
            "killed": len(killed),
            "kill_rate": round(len(killed) / len(applicable), 3) if applicable else None,
            "results": [asdict(r) for r in results]}
