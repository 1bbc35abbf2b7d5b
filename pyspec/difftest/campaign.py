"""Campaigns: many random sequences over `--jobs` worker processes.

Each worker owns one driver process and one pyspec, runs batches of
sequences, writes every finding to disk the moment it is found, then shrinks
it and rewrites the file with the reproducer.  Sequence `i` of a campaign
with seed `S` is generated from seed `S * 1_000_003 + i` alone, so any
sequence (and so any finding) is reproducible from the campaign seed.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing as mp
import random
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyspec import semantics as sem

from .coverage import Coverage
from .driver_pipe import DriverPipe
from .engine import Engine, Failure, Sequence
from .findings import Finding, FindingStore
from .gen import relevant_actions
from .pairs import PairChecker
from .progress import Progress
from .scope import Scope
from .shrink import Case, Shrinker, ShrinkBudget
from .states import initial_case
from .validity import PROPS, full_flags

MAX_FINDINGS_PER_KIND = 3   # per worker: further findings of a kind are only counted
PAIR_EVERY = 8              # one paired OS-isolation run per this many sequences
PAIR_ROUNDS = 12
POLL_SECONDS = 0.2          # the parent checks for an interrupt at least this often
DRAIN_SECONDS = 1.0         # after an interrupt, read what the workers sent for this long


@dataclass
class CampaignConfig:
    seed: int = 0
    sequences: int = 2000
    length: int = 50
    jobs: int = 2
    batch: int = 32
    scope: Scope = field(default_factory=Scope)
    out: Path = Path("out")
    driver: str | None = None
    shrink_calls: int = 2000
    shrink_seconds: float = 20.0
    stop_on_finding: bool = False
    progress: bool = True


@dataclass
class CampaignResult:
    sequences: int = 0
    steps: int = 0
    seconds: float = 0.0
    findings: list[dict] = field(default_factory=list)
    suppressed: int = 0
    pairs: int = 0            # paired OS-isolation runs
    pair_events: int = 0      # steps taken in them (both runs)
    pair_syncs: int = 0       # synchronised o-actions
    coverage: Coverage = field(default_factory=Coverage)
    workers: int = 0          # worker processes used: --jobs, at most one per sequence
    interrupted: bool = False
    first_finding_steps: int | None = None
    first_finding_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


def sequence_seed(seed: int, index: int) -> int:
    return seed * 1_000_003 + index


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


def make_sequence(engine: Engine, seed: int, length: int,
                  case: tuple | None = None) -> Sequence | None:
    """Sequence number `seed`: its initial state and adaptive actions (`case`:
    `initial_case(random.Random(seed), engine.scope)`, if the caller has it).
    None when pyspec's valid_state rejects the generated state (a campaign
    reports that as a `generator_invalid` finding)."""
    if case is None:
        case = initial_case(random.Random(seed), engine.scope)
    flags = initial_flags(engine, case)
    if any(flags):
        return None
    return sequence_of(engine, seed, length, case, flags)


def generator_invalid_finding(engine: Engine, seed: int, case: tuple, scope: Scope) -> Finding:
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


def _report(queue: mp.Queue, store: FindingStore, finding: Finding, steps_done: int,
            shrink) -> None:
    path = store.save(finding)
    queue.put(("finding", str(path), finding.oracle, finding.detail, steps_done))
    shrink(finding)
    store.save(finding, path)
    queue.put(("shrunk", str(path), len(finding.shrunk["actions"]) if finding.shrunk else None))


def _worker(wid: int, cfg: CampaignConfig, indices: list[int], queue: mp.Queue) -> None:
    # Ctrl-C reaches the whole process group: the parent alone handles it and
    # terminates the workers (every finding already written is complete).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The loop allocates many short-lived, acyclic model values: collect cycles
    # less often, and never rescan what the worker inherited from its parent.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    store = FindingStore(cfg.out / "findings", worker=wid)
    kinds: dict[str, int] = {}
    budget = ShrinkBudget(cfg.shrink_calls, cfg.shrink_seconds)
    with DriverPipe(cfg.driver) as driver:
        engine = Engine(cfg.scope, driver)
        pairs = PairChecker(cfg.scope, engine.py)
        for start in range(0, len(indices), cfg.batch):
            # Steps of this batch so far: the parent adds the steps of the
            # batches it has already been told about (`progress`).
            steps_done = 0
            # Sequence i and (every PAIR_EVERY) its paired run start from the same
            # initial state: draw it once.
            cases = {i: initial_case(random.Random(sequence_seed(cfg.seed, i)), cfg.scope)
                     for i in indices[start:start + cfg.batch]}
            seqs, invalid = [], []
            for i, case in cases.items():
                flags = initial_flags(engine, case)
                if any(flags):
                    invalid.append(i)
                else:
                    seqs.append(sequence_of(engine, sequence_seed(cfg.seed, i), cfg.length,
                                            case, flags))
            found = 0
            # A generated state pyspec rejects is not tested (nor paired): it is
            # a finding against pyspec's generator.
            for i in invalid:
                found += 1
                kinds["generator_invalid"] = kinds.get("generator_invalid", 0) + 1
                if kinds["generator_invalid"] > MAX_FINDINGS_PER_KIND:
                    queue.put(("suppressed", 1))
                    continue
                _report(queue, store, generator_invalid_finding(
                    engine, sequence_seed(cfg.seed, i), cases[i], cfg.scope),
                    0, lambda f: None)
                if cfg.stop_on_finding:
                    break
            if found and cfg.stop_on_finding:
                seqs = []
            outcomes = engine.check_batch(seqs) if seqs else []
            for seq, out in zip(seqs, outcomes):
                steps_done += out.steps if out.failure is None else out.failure.step + 1
                if out.failure is None:
                    continue
                found += 1
                kind = out.failure.oracle
                kinds[kind] = kinds.get(kind, 0) + 1
                if kinds[kind] > MAX_FINDINGS_PER_KIND:
                    queue.put(("suppressed", 1))
                    continue
                _report(queue, store, to_finding(seq, out.failure, out.driver_trace, cfg.scope),
                        steps_done, lambda f: shrink_finding(engine, f, budget))
                if cfg.stop_on_finding:
                    break
            for i in indices[start:start + cfg.batch]:
                if i % PAIR_EVERY or i in invalid or (found and cfg.stop_on_finding):
                    continue
                finding, events, syncs = paired_run(pairs, sequence_seed(cfg.seed, i), cfg.scope,
                                                    cases[i])
                queue.put(("pairs", 1, events, syncs))
                if finding is None:
                    continue
                found += 1
                kinds[finding.oracle] = kinds.get(finding.oracle, 0) + 1
                if kinds[finding.oracle] > MAX_FINDINGS_PER_KIND:
                    queue.put(("suppressed", 1))
                    continue
                _report(queue, store, finding, steps_done,
                        lambda f: shrink_paired(pairs, f, budget))
            # Each batch's steps and coverage go to the parent with it, so that
            # an interrupted campaign's summary has the work of every batch done.
            batch_coverage, engine.coverage = engine.coverage, Coverage()
            queue.put(("progress", len(indices[start:start + cfg.batch]), len(seqs),
                       sum(o.steps for o in outcomes), found, batch_coverage))
            if found and cfg.stop_on_finding:
                break
    queue.put(("done", wid))


def run_campaign(cfg: CampaignConfig) -> CampaignResult:
    """Run a campaign; Ctrl-C stops it, keeping every finding already written."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    (cfg.out / "findings").mkdir(exist_ok=True)
    result = CampaignResult()
    jobs = result.workers = max(1, min(cfg.jobs, cfg.sequences or 1))
    shares = [list(range(w, cfg.sequences, jobs)) for w in range(jobs)]
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(w, cfg, shares[w], queue), daemon=True)
               for w in range(jobs)]
    progress = Progress(cfg.sequences, enabled=cfg.progress)
    start = time.monotonic()
    by_path: dict[str, dict] = {}
    for w in workers:
        w.start()
    running = len(workers)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        # Only a flag: raising here could cut a message in half while it is
        # read from the queue, and the messages still queued are drained below.
        nonlocal stopping
        stopping = True

    # Ctrl-C, and `kill` (SIGTERM), stop cleanly.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    drain_until = 0.0
    try:
        while running:
            if stopping and not result.interrupted:
                result.interrupted = True
                # What the workers have already sent (each batch's steps and
                # coverage, findings) still counts; then they are terminated.
                drain_until = time.monotonic() + DRAIN_SECONDS
            if result.interrupted and time.monotonic() > drain_until:
                break
            try:
                msg = queue.get(timeout=0.05 if result.interrupted else POLL_SECONDS)
            except Exception:
                if result.interrupted or not any(w.is_alive() for w in workers):
                    break
                continue
            kind = msg[0]
            if kind == "progress":   # sequences drawn, tested, steps, findings, coverage
                result.sequences += msg[2]
                result.steps += msg[3]
                result.coverage.merge(msg[5])
                progress.update(msg[1], msg[3], msg[4])
            elif kind == "finding":
                entry = {"path": msg[1], "oracle": msg[2], "detail": msg[3],
                         "shrunk_length": None}
                by_path[msg[1]] = entry
                result.findings.append(entry)
                if result.first_finding_steps is None:
                    result.first_finding_steps = result.steps + msg[4]
                    result.first_finding_seconds = round(time.monotonic() - start, 3)
            elif kind == "shrunk":
                by_path[msg[1]]["shrunk_length"] = msg[2]
            elif kind == "pairs":
                result.pairs += msg[1]
                result.pair_events += msg[2]
                result.pair_syncs += msg[3]
            elif kind == "suppressed":
                result.suppressed += msg[1]
            elif kind == "done":
                running -= 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join(timeout=5)
        progress.close()
    result.seconds = round(time.monotonic() - start, 3)
    return result


def exhaustive(engine: Engine, ctx: dict, state: dict, depth: int, batch: int = 256
               ) -> tuple[int, int, list[tuple[Sequence, Failure, list]]]:
    """Every sequence of up to `depth` actions relevant for `state`.
    Returns (sequences, steps, failures)."""
    actions = relevant_actions(engine.scope, ctx, state)
    count = steps = 0
    failures: list[tuple[Sequence, Failure, list]] = []
    pending: list[Sequence] = []

    def flush() -> None:
        nonlocal steps
        for seq, out in zip(pending, engine.check_batch(pending)):
            steps += out.steps
            if out.failure is not None:
                failures.append((seq, out.failure, out.driver_trace))
        pending.clear()

    for k in range(1, depth + 1):
        for combo in itertools.product(actions, repeat=k):
            pending.append(engine.replay_pyspec(Sequence(count, ctx, state, list(combo))))
            count += 1
            if len(pending) >= batch:
                flush()
    flush()
    return count, steps, failures
