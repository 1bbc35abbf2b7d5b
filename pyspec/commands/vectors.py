"""`vcert vectors --out DIR`: test vectors both oracles agree on.

Writes DIR/vectors.jsonl (format: docs/vectors.md) and DIR/Vectors.v, Coq
Examples that `make vectors-check` compiles against the built library.
--check compiles Vectors.v right away.  Vectors already in DIR are never
replaced unless --force is given; both files are written only once the
whole set is made.  Exit status: 0 on success, 1 when the Coq check fails,
2 on bad input, 3 when no vector could be made (a dead driver, say).  A
sequence the two oracles disagree on makes no vector: it is written to
DIR/findings/ at once (as `vcert diff` would) and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from pyspec.difftest.campaign import MAX_FINDINGS_PER_KIND
from pyspec.difftest.coverage import possible_cells
from pyspec.difftest.driver_pipe import DriverPipe
from pyspec.difftest.engine import Engine
from pyspec.difftest.findings import Finding, FindingStore
from pyspec.difftest.scope import Scope
from pyspec.difftest.shrink import ShrinkBudget
from pyspec.difftest.vectors import check_coq, collect, write_vectors
from pyspec.exit_status import BadInput, Exit, ToolFailed

from .common import driver_binary, output_dir

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
    p.add_argument("--force", action="store_true", help="replace vectors already in --out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        scope = Scope.parse(args.scope)
    except ValueError as exc:
        raise BadInput(f"bad --scope: {exc}") from None
    if args.sequences < 1 or args.length < 1:
        raise BadInput("--sequences and --length must be >= 1")
    out = output_dir(args.out)
    existing = [p for p in (out / "vectors.jsonl", out / "Vectors.v") if p.exists()]
    if existing and not args.force:
        raise BadInput(f"{existing[0]} exists: vectors are not replaced without --force")
    with DriverPipe(driver_binary(args.driver)) as driver:
        engine = Engine(scope, driver)
        store, found, kinds = FindingStore(out / "findings"), [], Counter()

        def on_finding(finding: Finding) -> None:
            # As in a campaign: at most MAX_FINDINGS_PER_KIND per oracle are
            # written, the others counted.
            kinds[finding.oracle] += 1
            if kinds[finding.oracle] <= MAX_FINDINGS_PER_KIND:
                found.append(store.save(finding)[0])
                print(f"finding: {finding.oracle}: {finding.detail}\n"
                      f"  vcert replay {found[-1]}")

        vecs, tried = collect(engine, args.seed, args.sequences, args.length,
                              ShrinkBudget(max_calls=400, max_seconds=5), on_finding)
        restarts = driver.restarts
    if not vecs:
        why = (f"no vector made from {tried} sequence(s)"
               + (f"; the driver was restarted {restarts} time(s)" if restarts else ""))
        if not found:
            raise ToolFailed(why)
        print(f"vcert vectors: {why}; {sum(kinds.values())} divergent sequence(s)",
              file=sys.stderr)
        return Exit.FOUND
    jsonl, coq = write_vectors(vecs, out)
    covered = {v.covers for v in vecs}
    missed = [f"{a}/{r}" for a, r in possible_cells() if f"{a}/{r}" not in covered]
    print(f"{len(vecs)} vectors from {tried} sequences -> {jsonl}, {coq}")
    print(f"cells without a vector: {', '.join(missed) or 'none'}")
    if args.check:
        ok, log = check_coq(coq)
        print("coqc: " + ("all Examples hold" if ok else "FAILED\n" + log))
        return Exit.OK if ok and not found else Exit.FOUND
    return Exit.FOUND if found else Exit.OK
