"""Coverage-guided campaigns: which corpus each batch derives from, and which
sequences join the corpus.

The run's corpus is one append-only list: the entries present at run start
(name order), then the entries found by batch 0, batch 1, ... in batch
order.  Batch `b` may derive only from the prefix made of the start entries
and the entries of batches `0 .. b-LAG-1` (`CorpusSlice`), and draws its
random sequences with the bias of the coverage of those batches, so what it
checks depends on the seed, the corpus at start and `b` alone: not on timing
or on the number of workers.  The client holds batch `b` back until batch
`b-LAG-1` has been judged (`Guide.ready`); with a few tasks per worker in
flight that rarely waits.  Until there is feedback (batches `0 .. LAG` of a
run whose corpus starts empty) the draws are exactly the unguided ones.

The worker reports, per sequence, the obligations it met first within its
batch (`BatchReport.firsts`); the client (`Guide.judge`) takes the batches in
order and adds a sequence to the corpus when one of those obligations was
not met by the run before it (nor by the corpus at start, replayed by the
regression phase).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from pyspec.generate import NO_BIAS, Bias

from .batch import (PAIR_EVERY, BatchOptions, BatchReport, CaseSpec, WorkerResources,
                    batch_indices, check_cases, sequence_seed)
from .config import CampaignConfig
from .corpus import Corpus, Entry, bias_for, derive
from .coverage import Coverage
from .states import initial_case

GUIDE_SALT = 0x6C1D      # a sequence's guided draw (derive or not, and how): its seed XOR this


@dataclass(frozen=True)
class CorpusSlice:
    """What a worker needs to draw batch `b` of a guided campaign: the corpus
    prefix of `size` entries (`entries` are those from position `start`: a
    worker already holds the ones before) and the bias weights."""
    b: int
    size: int
    start: int
    entries: tuple[Entry, ...]
    weights: tuple[tuple[str, float], ...]

    def trimmed(self, have: int) -> "CorpusSlice":
        """The same slice for a worker that holds the first `have` entries."""
        if have <= self.start:
            return self
        return replace(self, start=have, entries=self.entries[have - self.start:])


def worker_corpus(res: WorkerResources, s: CorpusSlice) -> Corpus:
    """The corpus prefix of `s` on this worker (kept between tasks)."""
    held: list[Entry] = res.corpus_entries
    if s.start > len(held):
        raise RuntimeError(f"corpus slice starts at {s.start}, the worker holds {len(held)}")
    held[s.start:s.start + len(s.entries)] = s.entries
    size, view = res.corpus_view
    if view is None or size > s.size:    # the first, or an older batch (a rerun)
        size, view = 0, Corpus()
    for e in held[size:s.size]:
        view.add(e)
    res.corpus_view = (s.size, view)
    return view


def guided_cases(cfg: CampaignConfig, b: int, corpus: Corpus) -> list[CaseSpec]:
    """Batch `b`: each sequence derived from `corpus` with probability
    `cfg.guided_fraction` (when it is not empty), else drawn as unguided."""
    cases = []
    for i in batch_indices(cfg, b):
        sseed = sequence_seed(cfg.seed, i)
        rng = random.Random(sseed ^ GUIDE_SALT)
        paired = i % PAIR_EVERY == 0
        if len(corpus) and rng.random() < cfg.guided_fraction:
            ctx, state, actions = derive(rng, corpus, cfg.scope, cfg.length)
            pair_from = initial_case(random.Random(sseed), cfg.scope) if paired else None
            cases.append(CaseSpec(i, sseed, ctx, state, actions=actions, pair_from=pair_from,
                                  derived=True))
            continue
        case = initial_case(random.Random(sseed), cfg.scope)
        cases.append(CaseSpec(i, sseed, case[0], case[1], models=(case[2], case[3]),
                              pair_from=case if paired else None))
    return cases


def run_guided_batch(cfg: CampaignConfig, s: CorpusSlice, res: WorkerResources) -> BatchReport:
    corpus = worker_corpus(res, s)
    bias = Bias(weights=dict(s.weights)) if s.weights else NO_BIAS
    opts = BatchOptions(length=cfg.length, stop_on_finding=cfg.stop_on_finding, bias=bias,
                        firsts=True)
    return check_cases(res, guided_cases(cfg, s.b, corpus), opts, s.b)


@dataclass
class CorpusStats:
    entries_at_start: int = 0
    added: int = 0                  # sequences of this run that joined the corpus
    derived_sequences: int = 0
    novel_derived: int = 0          # derived sequences that met obligations first
    novel_random: int = 0           # random draws that did


@dataclass
class Guide:
    """The client's side: the run's corpus in its order, what it has met, and
    the batches judged so far (in batch order)."""
    cfg: CampaignConfig
    start: list[Entry]
    store: Corpus | None = None     # the --corpus directory, written as entries join
    baseline: Coverage = field(default_factory=Coverage)   # the corpus at start's coverage
    entries: list[Entry] = field(init=False)
    stats: CorpusStats = field(init=False)

    def __post_init__(self) -> None:
        self.entries = list(self.start)
        self.names = {e.name for e in self.entries}
        self.stats = CorpusStats(entries_at_start=len(self.start))
        self.coverage = Coverage()
        self.coverage.merge(self.baseline)
        self.seen = self.coverage.met()
        self.judged = 0                               # batches 0 .. judged-1 are judged
        self._pending: dict[int, tuple[list[dict], Coverage, int]] = {}
        self._size_after: list[int] = []
        self._weights_after: list[tuple[tuple[str, float], ...]] = []
        # No feedback yet (an empty corpus at start): the unguided draws.
        self._weights0 = _weights(bias_for(self.coverage)) if self.start else ()

    @property
    def guided(self) -> bool:
        return self.cfg.guided_fraction > 0

    def ready(self, b: int) -> bool:
        """Batch `b`'s slice is known (batch b-LAG-1 was judged)."""
        return not self.guided or b - self.cfg.lag - 1 < self.judged

    def task_arg(self, b: int) -> int | CorpusSlice:
        if not self.guided:
            return b
        j = b - self.cfg.lag - 1
        size = self._size_after[j] if j >= 0 else len(self.start)
        weights = self._weights_after[j] if j >= 0 else self._weights0
        return CorpusSlice(b, size, 0, tuple(self.entries[:size]), weights)

    def candidates(self, firsts: list[dict]) -> list[dict]:
        """The sequences of `firsts` that may still join the corpus: `seen` only
        grows, and holds batches before any batch not judged yet, so one whose
        obligations are all in it now never will."""
        return [c for c in firsts if any(n not in self.seen for n in c["firsts"])]

    def report(self, b: int, firsts: list[dict], coverage: Coverage, derived: int) -> None:
        """Batch `b` is done (or lost: nothing in it); judge what can be."""
        self._pending[b] = (firsts, coverage, derived)
        while self.judged in self._pending:
            self._judge(*self._pending.pop(self.judged))
            self.judged += 1

    def _judge(self, firsts: list[dict], coverage: Coverage, derived: int) -> None:
        self.stats.derived_sequences += derived
        for cand in sorted(firsts, key=lambda c: c["index"]):
            new = tuple(n for n in cand["firsts"] if n not in self.seen)
            if not new:
                continue
            if cand["derived"]:
                self.stats.novel_derived += 1
            else:
                self.stats.novel_random += 1
            entry = Entry(cand["context"], cand["initial_state"], tuple(cand["actions"]), new)
            if entry.name in self.names:
                continue
            self.names.add(entry.name)
            self.entries.append(entry)
            self.stats.added += 1
            if self.store is not None:
                self.store.add(entry)
        self.coverage.merge(coverage)
        self.seen = self.coverage.met()
        self._size_after.append(len(self.entries))
        self._weights_after.append(_weights(bias_for(self.coverage)) if self.guided else ())


def _weights(bias: Bias) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(bias.weights.items()))
