"""The unit of campaign work: one batch of numbered sequences.

`run_batch(cfg, b, res)` is the same task whoever runs it (the local worker
pool or a Dask worker): it draws sequences `b*B .. b*B+B-1` of the campaign
from the seed alone, checks them against the worker's long-lived driver
(`WorkerResources`), runs the paired isolation runs that fall in the batch
and returns a `BatchReport`.  It writes no file: findings travel back in the
report (at most MAX_PER_BATCH per oracle, the others counted), and the
campaign's client, the one writer, stores them.  `shrink_task` shrinks one
finding on a worker, the same way.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field

from pyspec import semantics as sem

from .config import CampaignConfig
from .coverage import Coverage
from .driver_pipe import DriverPipe
from .engine import Engine, Failure, Sequence
from .findings import Finding
from .negative import NEGATIVE_SALT, check_negative
from .pairs import PairChecker
from .scope import Scope
from .shrink import Case, Shrinker, ShrinkBudget
from .states import initial_case
from .validity import PROPS, full_flags

MAX_PER_BATCH = 3       # findings of one oracle a batch sends back; the others are counted
# Findings with no actions to shrink: a generated state pyspec rejects, and a
# near-invalid state the two valid_state implementations judge differently.
NOT_SHRUNK = frozenset({"generator_invalid", "valid_negative"})
PAIR_EVERY = 8          # one paired OS-isolation run per this many sequences
PAIR_ROUNDS = 12


@dataclass
class BatchReport:
    batch: int
    sequences: int = 0            # sequences drawn (tested or generator_invalid)
    tested: int = 0               # sequences run through both oracles
    steps: int = 0
    pairs: int = 0                # paired OS-isolation runs
    pair_events: int = 0
    pair_syncs: int = 0           # synchronised o-actions
    findings: list[Finding] = field(default_factory=list)
    # Steps of this batch before each finding (same order): with the steps of
    # the batches before it, the campaign's steps to that finding.
    steps_before: list[int] = field(default_factory=list)
    suppressed: int = 0
    coverage: Coverage = field(default_factory=Coverage)
    driver_restarts: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        data = asdict(self)
        data["findings"] = [f.name for f in self.findings]
        data["coverage"] = self.coverage.to_json()
        return data


class WorkerResources:
    """What a worker keeps between batches: one driver process and pyspec."""

    def __init__(self, cfg: CampaignConfig) -> None:
        self.cfg = cfg
        self.driver = DriverPipe(cfg.driver)
        self.engine = Engine(cfg.scope, self.driver)
        self.pairs = PairChecker(cfg.scope, self.engine.py)

    def close(self) -> None:
        self.driver.close()


def sequence_seed(seed: int, index: int) -> int:
    return seed * 1_000_003 + index


def batch_indices(cfg: CampaignConfig, b: int) -> range:
    return range(b * cfg.batch, min((b + 1) * cfg.batch, cfg.sequences))


def batch_count(cfg: CampaignConfig) -> int:
    return -(-cfg.sequences // cfg.batch) if cfg.batch else 0


def initial_flags(engine: Engine, case: tuple) -> tuple:
    """pyspec's valid_state, in full, on the initial state of `case` (a
    tuple of `initial_case`): a true flag is a property it violates."""
    ctx, _, _, model = case
    return full_flags(engine.py.context(ctx), model)


def sequence_of(engine: Engine, seed: int, length: int, case: tuple, flags: tuple) -> Sequence:
    """Sequence number `seed` from its valid initial `case` (`flags`: its
    `initial_flags`, all false): the adaptive actions drawn on pyspec."""
    ctx, state, _, model = case
    seq = engine.generate(seed ^ 0x5EED, state, length, ctx, model=model)
    seq.seed = seed
    seq.valid0 = flags
    return seq


def make_sequence(engine: Engine, seed: int, length: int) -> Sequence | None:
    """Sequence number `seed`, or None when pyspec's valid_state rejects its
    generated initial state (a campaign reports that as a finding)."""
    case = initial_case(random.Random(seed), engine.scope)
    flags = initial_flags(engine, case)
    if any(flags):
        return None
    return sequence_of(engine, seed, length, case, flags)


def generator_invalid_finding(seed: int, case: tuple, scope: Scope) -> Finding:
    """The generated initial state of `case`, which pyspec's valid_state
    rejects: a bug of pyspec's generator (or of its valid_state)."""
    ctx, state, ctx_model, model = case
    violations = sem.valid_state(ctx_model, model)
    props = sorted({v.prop.name for v in violations}, key=[p.name for p in PROPS].index)
    detail = (f"the generated initial state is invalid for pyspec: {', '.join(props)}: "
              f"{violations[0] if violations else 'first_invalid disagrees with valid_state'}")
    return Finding(oracle="generator_invalid", detail=detail, seed=seed, scope=scope.to_json(),
                   context=ctx, initial_state=state, actions=[], step=-1)


def to_finding(seq: Sequence, failure: Failure, driver_trace: list, scope: Scope) -> Finding:
    return Finding(oracle=failure.oracle, detail=failure.detail, seed=seq.seed,
                   scope=scope.to_json(), context=seq.context, initial_state=seq.state,
                   actions=seq.actions, step=failure.step, pyspec_trace=seq.py_trace,
                   driver_trace=driver_trace)


def paired_run(pc: PairChecker, seed: int, scope: Scope,
               case: tuple | None = None) -> tuple[Finding | None, int, int]:
    """The paired isolation run of sequence `seed`: its finding, if it fails,
    and how many events and synchronised o-steps it took (`case`:
    `initial_case(random.Random(seed), scope)`, if the caller has it)."""
    rng = random.Random(seed ^ 0xA1B2)
    if case is None:
        case = initial_case(random.Random(seed), scope)
    ctx, state, _, model = case
    drawn = pc.generate(rng, ctx, state, PAIR_ROUNDS, model=model)
    if drawn is None:
        return None, 0, 0
    o, twin, events = drawn
    syncs = sum(1 for run, _ in events if run == "both")
    failure = pc.check(ctx, state, twin, o, events)
    if failure is None:
        return None, len(events), syncs
    return Finding(oracle=failure.oracle, detail=failure.detail, seed=seed,
                   scope=scope.to_json(), context=ctx, initial_state=state, actions=[],
                   step=failure.event, paired={"o": o, "state2": twin, "events": events}), \
        len(events), syncs


def run_batch(cfg: CampaignConfig, b: int, res: WorkerResources) -> BatchReport:
    """Check batch `b` of the campaign `cfg` with the worker's resources."""
    start = time.monotonic()
    engine, report = res.engine, BatchReport(b)
    restarts0 = res.driver.restarts
    engine.reset(report.coverage)
    kinds: dict[str, int] = {}
    steps_done = 0   # steps of this batch so far

    def keep(finding: Finding, index: int) -> bool:
        """Send `finding` back unless its oracle has MAX_PER_BATCH already."""
        kinds[finding.oracle] = kinds.get(finding.oracle, 0) + 1
        if kinds[finding.oracle] > MAX_PER_BATCH:
            report.suppressed += 1
            return False
        finding.index = index
        report.findings.append(finding)
        report.steps_before.append(steps_done)
        return cfg.stop_on_finding

    indices = batch_indices(cfg, b)
    # Sequence i and (every PAIR_EVERY) its paired run start from the same
    # initial state: draw it once.
    cases = {i: initial_case(random.Random(sequence_seed(cfg.seed, i)), cfg.scope)
             for i in indices}
    report.sequences = len(cases)
    seqs, invalid, stop = [], set(), False
    for i, case in cases.items():
        flags = initial_flags(engine, case)
        if not any(flags):
            seqs.append((i, sequence_of(engine, sequence_seed(cfg.seed, i), cfg.length,
                                        case, flags)))
            continue
        # A generated state pyspec rejects is not tested (nor paired): it is
        # a finding against pyspec's generator.
        invalid.add(i)
        stop = keep(generator_invalid_finding(sequence_seed(cfg.seed, i), case, cfg.scope), i)
        if stop:
            seqs = []
            break
    if seqs and not stop:
        # Negative validity: the near-invalid neighbours of the batch's first
        # valid initial state, judged by both valid_state implementations.
        i, first = seqs[0]
        neg = check_negative(engine, random.Random(first.seed ^ NEGATIVE_SALT),
                             first.context, first.state)
        if neg is not None:
            stop = keep(Finding(oracle=neg.oracle, detail=neg.detail, seed=first.seed,
                                scope=cfg.scope.to_json(), context=neg.context,
                                initial_state=neg.state, actions=[], step=-1), i)
            if stop:
                seqs = []
    outcomes = engine.check_batch([s for _, s in seqs]) if seqs else []
    report.tested = len(seqs)
    report.steps = sum(o.steps for o in outcomes)
    for (i, seq), out in zip(seqs, outcomes):
        steps_done += out.steps if out.failure is None else out.failure.step + 1
        if out.failure is not None and \
                keep(to_finding(seq, out.failure, out.driver_trace, cfg.scope), i):
            stop = True
            break
    for i in indices:
        if stop or i % PAIR_EVERY or i in invalid:
            continue
        finding, events, syncs = paired_run(res.pairs, sequence_seed(cfg.seed, i), cfg.scope,
                                            cases[i])
        report.pairs += 1
        report.pair_events += events
        report.pair_syncs += syncs
        if finding is not None and keep(finding, i):
            stop = True
    report.driver_restarts = res.driver.restarts - restarts0
    report.seconds = round(time.monotonic() - start, 3)
    engine.reset(Coverage())     # the report is sent as it is now
    return report


# -- shrinking -------------------------------------------------------------------------


def shrink_finding(engine: Engine, finding: Finding, budget: ShrinkBudget) -> None:
    """Shrink in place: keep the oracle that failed, find a 1-minimal case."""
    def fails(case: Case) -> bool:
        failure, _, _ = engine.check_case(case.context, case.state, list(case.actions))
        return failure is not None and failure.oracle == finding.oracle

    end = finding.step + 1 if finding.step >= 0 else len(finding.actions)
    start = Case(finding.context, finding.initial_state, tuple(finding.actions[:end]))
    if not fails(start):
        finding.shrink_stats = {"error": "the failure did not reproduce when rerun"}
        return
    shrinker = Shrinker(fails, budget)
    small = shrinker.shrink(start)
    failure, seq, driver_trace = engine.check_case(small.context, small.state, list(small.actions))
    finding.shrunk = {"context": small.context, "initial_state": small.state,
                      "actions": list(small.actions),
                      "step": failure.step if failure else -1,
                      "detail": failure.detail if failure else "",
                      "pyspec_trace": seq.py_trace, "driver_trace": driver_trace}
    finding.shrink_stats = asdict(shrinker.stats)


def shrink_paired(pc: PairChecker, finding: Finding, budget: ShrinkBudget) -> None:
    """Drop and simplify events of a paired finding (the states stay)."""
    p = finding.paired

    def fails(case: Case) -> bool:
        f = pc.check(case.context, case.state, p["state2"], p["o"], list(case.actions))
        return f is not None and f.oracle == finding.oracle and f.event >= 0

    start = Case(finding.context, finding.initial_state, tuple(p["events"][:finding.step + 1]))
    shrinker = Shrinker(fails, budget, simplify_state=False)
    small = shrinker.shrink(start)
    failure = pc.check(small.context, small.state, p["state2"], p["o"], list(small.actions))
    finding.shrunk = {"context": small.context, "initial_state": small.state,
                      "events": list(small.actions), "actions": list(small.actions),
                      "step": failure.event if failure else -1,
                      "detail": failure.detail if failure else "",
                      "pyspec_trace": [], "driver_trace": []}
    finding.shrink_stats = asdict(shrinker.stats)


def shrink_task(cfg: CampaignConfig, finding: Finding, res: WorkerResources) -> Finding:
    """The shrunk reproducer of `finding` (a generator_invalid finding has
    no actions to shrink: it comes back as it is)."""
    budget = ShrinkBudget(cfg.shrink_calls, cfg.shrink_seconds)
    res.engine.reset(Coverage())  # reruns while shrinking are not campaign coverage
    if finding.paired is not None:
        shrink_paired(res.pairs, finding, budget)
    elif finding.oracle not in NOT_SHRUNK:
        shrink_finding(res.engine, finding, budget)
    return finding


def shrunk_length(finding: Finding) -> int | None:
    return len(finding.shrunk["actions"]) if finding.shrunk else None
