"""`vcert vectors --out DIR`: test vectors both oracles agree on.

Writes DIR/vectors.jsonl (format: docs/vectors.md) and DIR/Vectors.v, Coq
Examples that `make vectors-check` compiles against the built library.
--check compiles Vectors.v right away.  Exit status: 0 on success, 1 when
the Coq check fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyspec.difftest.coverage import possible_cells
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.scope import Scope
from pyspec.difftest.shrink import ShrinkBudget
from pyspec.difftest.vectors import check_coq, collect, write_vectors

VECTOR_SCOPE = "guests=3,pages=8,vadds=4,padds=6,window=1"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("vectors", help="emit cross-checked test vectors (JSON lines + Coq)",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("out/vectors"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sequences", type=int, default=3000, help="generation budget")
    p.add_argument("--length", type=int, default=30)
    p.add_argument("--scope", default=VECTOR_SCOPE)
    p.add_argument("--driver")
    p.add_argument("--check", action="store_true", help="compile Vectors.v with coqc")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        scope = Scope.parse(args.scope)
    except ValueError as exc:
        print(f"vcert vectors: bad --scope: {exc}", file=sys.stderr)
        return 2
    try:
        with DriverPipe(args.driver) as driver:
            engine = Engine(scope, driver)
            vecs, tried = collect(engine, args.seed, args.sequences, args.length,
                                  ShrinkBudget(max_calls=400, max_seconds=5))
    except FileNotFoundError as exc:
        print(f"vcert vectors: {exc}", file=sys.stderr)
        return 2
    jsonl, coq = write_vectors(vecs, args.out)
    covered = {v.covers for v in vecs}
    missed = [f"{a}/{r}" for a, r in possible_cells() if f"{a}/{r}" not in covered]
    print(f"{len(vecs)} vectors from {tried} sequences -> {jsonl}, {coq}")
    print(f"cells without a vector: {', '.join(missed) or 'none'}")
    if args.check:
        ok, log = check_coq(coq)
        print("coqc: " + ("all Examples hold" if ok else "FAILED\n" + log))
        return 0 if ok else 1
    return 0
