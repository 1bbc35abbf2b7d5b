"""Pinned generation for `vcert mutate`: draw on the pristine source, check on
the mutated one.

The campaign's generator never calls pyspec's semantics, but it draws each
next action from the state pyspec's own run reached: a pyspec fault in `step`
would steer the draws.  So `vcert mutate` splits the two across processes:

- `write_cases` runs in the unmutated `vcert mutate` process and draws, once
  per seed, exactly what a campaign would (`initial_case`, `Engine.generate`,
  `PairChecker.generate`, with the campaign's per-sequence seeds) into a file,
  one JSON line per sequence: `index`, `seed`, `context`, `state`, `actions`,
  `pair` (`o`, `state2`, `events`, or null);
- `run_cases` (`python -m pyspec.difftest.pinned`) runs in each mutant's
  process, with the mutated copy of pyspec first on the path (or a mutated
  driver), and only checks, batch by batch, through the campaign's own batch
  task (`batch.check_cases` on fixed cases): pyspec replays the fixed
  actions, then the campaign's checks (validity of the initial state, the
  per-step oracles against the driver, the paired isolation runs) and, once
  per batch, negative validity on the batch's first valid initial state.

It stops at the first finding, shrinks it and writes `OUT/result.json`:
`status`, `oracle`, `detail`, `steps` (every step executed before the finding:
the sequences' and the paired runs', in execution order), `seconds`,
`shrunk_length` (0 for a negative-validity finding, which has no actions),
`sequences` (those checked, the failing one included), and `digests` (a hash
of each checked sequence's actions, so a test can compare what was run with
and without a mutant).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

from .batch import (PAIR_EVERY, PAIR_ROUNDS, BatchOptions, CaseSpec, WorkerResources,
                    check_cases, sequence_seed, shrink_finding, shrink_paired)
from .config import CampaignConfig
from .engine import Engine
from .findings import FindingStore, write_atomic
from .pairs import PairChecker
from .scope import Scope
from .shrink import ShrinkBudget
from .states import initial_case

BATCH = 32


def write_cases(path: Path, seed: int, sequences: int, length: int,
                scope: Scope = Scope()) -> None:
    """Draw a campaign's sequences (and paired runs) into `path`, in this process."""
    engine = Engine(scope, driver=None)
    pairs = PairChecker(scope, engine.py)
    with open(path, "wb") as out:
        for i in range(sequences):
            sseed = sequence_seed(seed, i)
            ctx, state, _, model = initial_case(random.Random(sseed), scope)
            seq = engine.generate(sseed ^ 0x5EED, state, length, ctx, model=model)
            pair = None
            if i % PAIR_EVERY == 0:
                drawn = pairs.generate(random.Random(sseed ^ 0xA1B2), ctx, state, PAIR_ROUNDS,
                                       model=model)
                if drawn is not None:
                    pair = {"o": drawn[0], "state2": drawn[1], "events": drawn[2]}
            out.write(orjson.dumps({"index": i, "seed": sseed, "context": ctx, "state": state,
                                    "actions": seq.actions, "pair": pair}) + b"\n")


def digest(actions: list) -> str:
    return hashlib.sha256(orjson.dumps(actions)).hexdigest()[:16]


@dataclass
class PinnedResult:
    status: str = "survived"          # "killed" | "survived"
    oracle: str | None = None
    detail: str | None = None
    steps: int = 0
    seconds: float = 0.0
    shrunk_length: int | None = None
    sequences: int = 0
    path: str | None = None
    digests: list[str] = field(default_factory=list)


def _batches(path: Path) -> Iterator[list[dict]]:
    batch: list[dict] = []
    with open(path, "rb") as fh:
        for line in fh:
            batch.append(orjson.loads(line))
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _specs(batch: list[dict]) -> list[CaseSpec]:
    return [CaseSpec(c["index"], c["seed"], c["context"], c["state"], actions=c["actions"],
                     pair=c["pair"]) for c in batch]


def run_cases(cases: Path, out: Path, driver: str | None, scope: Scope = Scope(),
              budget: ShrinkBudget = ShrinkBudget()) -> PinnedResult:
    """Check the drawn cases in order until the first finding (see the module):
    each batch goes through the campaign's own batch task (`check_cases`)."""
    res = PinnedResult()
    store = FindingStore(out / "findings")
    start = time.monotonic()
    opts = BatchOptions(stop_on_finding=True)
    worker = WorkerResources(CampaignConfig(scope=scope, driver=driver))
    try:
        for batch in _batches(cases):
            specs = _specs(batch)
            report = check_cases(worker, specs, opts)
            if not report.findings:
                res.steps += report.steps + report.pair_events
                res.sequences += report.tested
                res.digests += [digest(s.actions) for s in specs]
                continue
            f = report.findings[0]
            checked = specs if f.paired is not None else \
                [s for s in specs if s.index <= f.index] if report.tested else []
            res.sequences += len(checked)
            res.digests += [digest(s.actions) for s in checked]
            res.seconds = round(time.monotonic() - start, 3)
            res.status, res.oracle, res.detail = "killed", f.oracle, f.detail
            res.steps += report.steps_before[0]
            res.path = str(store.save(f)[0])
            if f.paired is None and not f.actions:   # a finding on a state alone
                res.shrunk_length = 0
                return res
            if f.paired is not None:
                shrink_paired(worker.pairs, f, budget)
            else:
                shrink_finding(worker.engine, f, budget)
            if f.shrunk is not None:
                res.shrunk_length = len(f.shrunk["actions"])
                store.save_shrunk(f)
            return res
    finally:
        worker.close()
    res.seconds = round(time.monotonic() - start, 3)
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pyspec.difftest.pinned",
                                description="check pinned cases (one mutant's process)")
    p.add_argument("cases", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--driver")
    args = p.parse_args(argv)
    if not args.cases.is_file():
        print(f"pinned: no cases file {args.cases}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    res = run_cases(args.cases, args.out, args.driver)
    write_atomic(args.out / "result.json", json.dumps(asdict(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
