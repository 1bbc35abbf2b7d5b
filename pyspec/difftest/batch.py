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
from pyspec.generate import NO_BIAS, Bias
from pyspec.model import VsProperty

from .config import CampaignConfig
from .coverage import Coverage
from .driver_pipe import DriverFailure, DriverPipe
from .engine import Engine, Failure, Sequence
from .findings import Finding
from .jstate import Json
from .negative import NEGATIVE_SALT, NearInvalid, check_negative, judge
from .negative import ORACLE as NEGATIVE_ORACLE
from .pairs import PairChecker
from .scope import Scope
from .shrink import Case, Shrinker, ShrinkBudget
from .states import initial_case
from .validity import PROPS, full_flags

BATCH_CASES = 32        # fixed cases per task (regression replay)
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
    derived: int = 0              # sequences derived from the corpus
    # Per sequence that met obligations no earlier sequence of the batch met:
    # index, derived, firsts ("group:name") and its case (the client judges
    # novelty against the whole campaign, in batch order).
    firsts: list[dict] = field(default_factory=list)
    # With BatchOptions.verdicts: [index, oracle] of every case that failed
    # (its first failure), kept or not.
    verdicts: list[list] = field(default_factory=list)

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
        # A guided campaign's corpus, as far as this worker has been sent it,
        # and the Corpus of its last prefix used (guidance.worker_corpus).
        self.corpus_entries: list = []
        self.corpus_view: tuple = (0, None)

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


@dataclass
class CaseSpec:
    """One case of a batch task: a campaign sequence to draw, or a fixed case
    (`vcert mutate`'s pinned draws, the regression replay of a corpus entry or
    an earlier finding)."""
    index: int                       # campaign sequence number, or place in the replay
    seed: int                        # the per-sequence seed (it names the findings)
    context: Json
    state: Json
    actions: list | None = None      # None: drawn along pyspec's run (seed ^ 0x5EED)
    models: tuple | None = None      # (context, state) decoded, when the caller has them
    pair: dict | None = None         # a fixed paired run: {"o", "state2", "events"}
    pair_from: tuple | None = None   # an `initial_case` to draw the paired run from
    near_invalid: str | None = None  # a valid_negative replay: the property the state breaks
    derived: bool = False            # derived from the corpus (for the report)


@dataclass(frozen=True)
class BatchOptions:
    length: int = 50                 # actions drawn when a case has none
    stop_on_finding: bool = False
    cap: int = MAX_PER_BATCH         # findings sent back per oracle (the others counted)
    negative: bool = True            # negative validity on the first valid initial state
    bias: Bias = NO_BIAS
    firsts: bool = False             # report what each sequence met first in the batch
    verdicts: bool = False           # report every failing case's oracle (regression)


def campaign_cases(cfg: CampaignConfig, b: int) -> list[CaseSpec]:
    """Batch `b` of an unguided campaign: every sequence drawn from its seed."""
    cases = []
    for i in batch_indices(cfg, b):
        case = initial_case(random.Random(sequence_seed(cfg.seed, i)), cfg.scope)
        cases.append(CaseSpec(i, sequence_seed(cfg.seed, i), case[0], case[1],
                              models=(case[2], case[3]),
                              pair_from=None if i % PAIR_EVERY else case))
    return cases


def run_batch(cfg: CampaignConfig, b: int, res: WorkerResources) -> BatchReport:
    """Check batch `b` of the campaign `cfg` with the worker's resources."""
    opts = BatchOptions(length=cfg.length, stop_on_finding=cfg.stop_on_finding, firsts=True)
    return check_cases(res, campaign_cases(cfg, b), opts, b)


def check_cases(res: WorkerResources, cases: list[CaseSpec], opts: BatchOptions,
                b: int = -1) -> BatchReport:
    """Check `cases` as one batch, in the campaign's order: pyspec's validity of
    each initial state, negative validity on the first valid one, every
    sequence in one pipelined driver request, then the paired runs."""
    start = time.monotonic()
    engine, pairs, scope, report = res.engine, res.pairs, res.engine.scope, BatchReport(b)
    restarts0 = res.driver.restarts
    engine.reset(report.coverage, track_firsts=opts.firsts)
    kinds: dict[str, int] = {}
    failed: set[int] = set()
    steps_done = 0   # steps of this batch so far, paired runs included

    def keep(finding: Finding, index: int) -> bool:
        """Send `finding` back unless its oracle has `opts.cap` already."""
        if opts.verdicts and index not in failed:
            failed.add(index)
            report.verdicts.append([index, finding.oracle])
        kinds[finding.oracle] = kinds.get(finding.oracle, 0) + 1
        if kinds[finding.oracle] > opts.cap:
            report.suppressed += 1
            return False
        finding.index = index
        report.findings.append(finding)
        report.steps_before.append(steps_done)
        return opts.stop_on_finding

    report.sequences = len(cases)
    seqs: list[tuple[CaseSpec, Sequence]] = []
    invalid: set[int] = set()
    stop = False
    for case in cases:
        if case.near_invalid is not None:
            continue
        ctx_m, state_m = case.models or (engine.py.context(case.context),
                                         engine.py.state(case.state))
        flags = full_flags(ctx_m, state_m)
        if not any(flags):
            seqs.append((case, _sequence(engine, case, state_m, flags, opts)))
            continue
        # A state pyspec rejects is not tested (nor paired): a finding against
        # pyspec's generator (or its valid_state).
        invalid.add(case.index)
        stop = keep(generator_invalid_finding(case.seed, (case.context, case.state, ctx_m,
                                                          state_m), scope), case.index)
        if stop:
            break
    if seqs and not stop and opts.negative:
        # Negative validity: the near-invalid neighbours of the batch's first
        # valid initial state, judged by both valid_state implementations.
        case, first = seqs[0]
        neg = check_negative(engine, random.Random(first.seed ^ NEGATIVE_SALT),
                             first.context, first.state)
        if neg is not None:
            stop = keep(Finding(oracle=neg.oracle, detail=neg.detail, seed=first.seed,
                                scope=scope.to_json(), context=neg.context,
                                initial_state=neg.state, actions=[], step=-1), case.index)
    if not stop:
        stop = _check_near_invalid(engine, [c for c in cases if c.near_invalid], keep)
    if stop:
        seqs = []
    outcomes = engine.check_batch([s for _, s in seqs]) if seqs else []
    report.tested = len(seqs)
    report.steps = sum(o.steps for o in outcomes)
    report.derived = sum(c.derived for c, _ in seqs)
    for (case, seq), out in zip(seqs, outcomes):
        if out.firsts:
            report.firsts.append({"index": case.index, "derived": case.derived,
                                  "firsts": out.firsts, "context": seq.context,
                                  "initial_state": seq.state, "actions": seq.actions})
        steps_done += out.steps if out.failure is None else out.failure.step + 1
        if out.failure is not None and \
                keep(to_finding(seq, out.failure, out.driver_trace, scope), case.index):
            stop = True
            break
    for case in cases:
        if stop or case.index in invalid or (case.pair is None and case.pair_from is None):
            continue
        finding, events, syncs = _paired(pairs, case, scope)
        report.pairs += 1
        report.pair_events += events
        report.pair_syncs += syncs
        # Steps to a paired finding count its events up to the failing one.
        steps_done += events if finding is None else max(finding.step, 0) + 1
        if finding is not None and keep(finding, case.index):
            stop = True
    report.driver_restarts = res.driver.restarts - restarts0
    report.seconds = round(time.monotonic() - start, 3)
    engine.reset(Coverage())     # the report is sent as it is now
    return report


def _sequence(engine: Engine, case: CaseSpec, state_m: object, flags: tuple,
              opts: BatchOptions) -> Sequence:
    """pyspec's run of `case`: its actions drawn, or its fixed actions replayed."""
    if case.actions is None:
        seq = engine.generate(case.seed ^ 0x5EED, case.state, opts.length, case.context,
                              model=state_m, bias=opts.bias)
    else:
        seq = engine.replay_pyspec(Sequence(case.seed, case.context, case.state,
                                            list(case.actions)))
    seq.seed = case.seed
    seq.valid0 = flags
    return seq


def _paired(pc: PairChecker, case: CaseSpec, scope: Scope) -> tuple[Finding | None, int, int]:
    """The paired run of `case`: fixed, or drawn from its `pair_from` case."""
    if case.pair is None:
        return paired_run(pc, case.seed, scope, case.pair_from)
    p = case.pair
    syncs = sum(1 for run, _ in p["events"] if run == "both")
    failure = pc.check(case.context, case.state, p["state2"], p["o"], p["events"])
    if failure is None:
        return None, len(p["events"]), syncs
    return Finding(oracle=failure.oracle, detail=failure.detail, seed=case.seed,
                   scope=scope.to_json(), context=case.context, initial_state=case.state,
                   actions=[], step=failure.event, paired=p), len(p["events"]), syncs


def _check_near_invalid(engine: Engine, cases: list[CaseSpec], keep) -> bool:
    """Judge replayed near-invalid states (valid_negative findings) again, with
    both valid_state implementations (one pipelined request)."""
    if not cases:
        return False
    try:
        answers = engine.driver.valid_many([(c.context, c.state) for c in cases])
    except DriverFailure as exc:
        engine.driver.restart()
        answers = [{"ok": False, "error": {"kind": "crash", "message": str(exc)}}] * len(cases)
    for case, answer in zip(cases, answers):
        ctx, state = engine.py.context(case.context), engine.py.state(case.state)
        near = NearInvalid(VsProperty[case.near_invalid], "replayed", ctx, state)
        wrong = judge(near, engine.py.first_invalid_model(ctx, state), answer)
        if wrong is not None and keep(Finding(
                oracle=NEGATIVE_ORACLE, detail=f"{case.near_invalid} broken (replayed): {wrong}",
                seed=case.seed, scope=engine.scope.to_json(), context=case.context,
                initial_state=case.state, actions=[], step=-1), case.index):
            return True
    return False


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
