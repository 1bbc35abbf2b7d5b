"""`vcert mutate`: mutation testing of the differential tester.

Applies each seeded fault of the catalogue (pyspec/difftest/mutants.py) to a
copy of pyspec or of the extracted OCaml, runs a fixed campaign budget
against it, and reports which faults were found (killed), after how many
steps and seconds, and how short the shrunk reproducer is.  The sequences
are drawn once, by the unmutated code, and every mutant checks the same ones
(the generator is pinned: pyspec/difftest/pinned.py).  Writes
OUT/mutation.json.  Exit status: 0 when the kill rate reaches --target,
1 when it does not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pyspec.difftest.findings import write_atomic
from pyspec.driver import default_binary
from pyspec.difftest.mutants import CATALOGUE, by_id
from pyspec.difftest.mutation import MutationBudget, MutantResult, run_mutants, summary

from .common import cluster_address


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("mutate", help="mutation testing: seeded faults in pyspec and OCaml",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sequences", type=int, default=2000, help="budget per mutant")
    p.add_argument("--length", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=None,
                   help="mutants in parallel (default: the CPU count)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run the mutants as tasks on a Dask scheduler, or on local:N workers")
    p.add_argument("--only", default="", help="comma-separated mutant ids")
    p.add_argument("--list", action="store_true", help="list the catalogue and exit")
    p.add_argument("--target", type=float, default=0.9, help="required kill rate")
    p.add_argument("--out", type=Path, default=Path("out"))
    p.add_argument("--driver", help="unmutated driver binary for pyspec mutants")
    p.set_defaults(func=run)


def _line(r: MutantResult) -> str:
    if r.status == "killed":
        return (f"  KILLED   {r.id:<27} {r.steps:>7} steps {r.seconds:>7}s  shrunk to "
                f"{r.shrunk_length}  [{r.oracle}]")
    if r.status == "survived":
        return f"  SURVIVED {r.id:<27} {r.steps:>7} steps {r.seconds:>7}s  ({r.description})"
    return f"  {r.status.upper():<8} {r.id:<27} {r.note}"


def run(args: argparse.Namespace) -> int:
    if args.list:
        for m in CATALOGUE:
            tags = ",".join(sorted(m.classes)) or "-"
            print(f"{m.id:<27} {m.target:<7} {tags:<16} {m.description}")
        return 0
    if args.jobs is not None and args.cluster is not None:
        print("vcert mutate: --jobs and --cluster: choose one", file=sys.stderr)
        return 2
    jobs = (os.cpu_count() or 1) if args.jobs is None else args.jobs
    if args.sequences < 1 or args.length < 1 or jobs < 1:
        print("vcert mutate: --sequences, --length and --jobs must be positive",
              file=sys.stderr)
        return 2
    driver = Path(args.driver) if args.driver else default_binary()
    if not driver.is_file():
        print(f"vcert mutate: no driver at {driver} (make driver, or --driver BIN)",
              file=sys.stderr)
        return 2
    try:
        mutants = by_id([i for i in args.only.split(",") if i]) if args.only else list(CATALOGUE)
    except ValueError as exc:
        print(f"vcert mutate: {exc}", file=sys.stderr)
        return 2
    budget = MutationBudget(args.sequences, args.length, args.seed)
    print(f"{len(mutants)} mutants, up to {budget.sequences} sequences of {budget.length} each, "
          f"seed {budget.seed}, drawn once by the unmutated generator")
    results = run_mutants(mutants, budget, jobs, str(driver),
                          on_result=lambda r: print(_line(r), flush=True),
                          cluster=cluster_address(args.cluster))
    data = summary(results, budget)
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "mutation.json", json.dumps(data, indent=1))
    print(f"killed {data['killed']}/{data['applicable']} applicable "
          f"(rate {data['kill_rate']}); report: {args.out / 'mutation.json'}")
    rate = data["kill_rate"] or 0.0
    return 0 if rate >= args.target else 1
